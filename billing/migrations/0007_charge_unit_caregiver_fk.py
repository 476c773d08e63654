import django.db.models.deletion
from django.db import migrations, models

# One composite foreign key instead of the two Django made for `unit` and `caregiver` (dropped below by
# db_constraint=False, with the unit's own index: charge_review_idx (caregiver_id, unit_id, …) serves
# the key's checks from the unit's side and every read of charges by unit, which is by caregiver too):
# a charge's (unit, caregiver) must be a unit and that unit's own caregiver. Deferred like Django's own
# keys. Adding it checks every existing charge once (one join with the few units).
COMPOSITE = (
    "ALTER TABLE billing_charge ADD CONSTRAINT charge_unit_caregiver_fk "
    "FOREIGN KEY (unit_id, caregiver_id) REFERENCES mittvaccin_unit (id, caregiver_id) "
    "DEFERRABLE INITIALLY DEFERRED"
)


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0006_charge_visit_patient_fk"),
        ("mittvaccin", "0009_unit_id_caregiver_key"),
    ]

    operations = [
        migrations.AlterField(
            model_name="charge",
            name="caregiver",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="mittvaccin.caregiver",
            ),
        ),
        migrations.AlterField(
            model_name="charge",
            name="unit",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="mittvaccin.unit",
            ),
        ),
        migrations.RunSQL(
            COMPOSITE, reverse_sql="ALTER TABLE billing_charge DROP CONSTRAINT charge_unit_caregiver_fk"
        ),
    ]
