"""Version 1 of every catalogue product as it stands, and every earlier dose pointed at it.

The doses are signed rows (append-only by trigger); pointing them at the version they were given under
adds a fact without changing one, so this one migration sets the column with the trigger ignored.
"""

import pgtrigger
from django.db import migrations
from django.utils import timezone

FIELDS = [
    "name",
    "npl_id",
    "disease",
    "diseases",
    "national_programmes",
    "manufacturer",
    "atc_code",
    "default_dose_ml",
    "default_route",
    "series_doses",
    "booster_min_days",
    "booster_days",
    "min_age_days",
    "max_age_years",
    "doses_per_vial",
    "hours_usable_after_opening",
    "is_active",
]


def forwards(apps, schema_editor):
    VaccineProduct = apps.get_model("journal", "VaccineProduct")
    VaccineProductVersion = apps.get_model("journal", "VaccineProductVersion")
    ScheduleStep = apps.get_model("journal", "ScheduleStep")
    Vaccination = apps.get_model("journal", "Vaccination")
    now = timezone.now()
    for product in VaccineProduct.objects.all():
        data = {field: getattr(product, field) for field in FIELDS}
        data["default_dose_ml"] = str(product.default_dose_ml)
        data["intervals"] = [
            [step.dose_number, step.min_days, step.recommended_days]
            for step in ScheduleStep.objects.filter(product=product).order_by("dose_number")
        ]
        version = VaccineProductVersion.objects.create(
            product=product,
            version=1,
            name=product.name,
            npl_id=product.npl_id,
            atc_code=product.atc_code,
            disease=product.disease,
            diseases=product.diseases,
            national_programmes=product.national_programmes,
            manufacturer=product.manufacturer,
            data=data,
            changed_at=now,
            source="migration",
        )
        VaccineProduct.objects.filter(pk=product.pk).update(version=1, current_version=version)
        with pgtrigger.ignore("journal.Vaccination:vaccination_append_only"):
            Vaccination.objects.filter(product=product, product_version__isnull=True).update(
                product_version=version
            )


class Migration(migrations.Migration):
    dependencies = [("journal", "0007_catalogue_stock_recall")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
