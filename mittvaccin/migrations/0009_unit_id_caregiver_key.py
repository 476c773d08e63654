from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("mittvaccin", "0008_access_log_action_codes"),
    ]

    operations = [
        # A unit and its caregiver, as a key that other tables' composite foreign keys refer to
        # (billing 0007: a charge's unit and caregiver). One small index; every row is unique already.
        migrations.AddConstraint(
            model_name="unit",
            constraint=models.UniqueConstraint(fields=("id", "caregiver"), name="unit_id_caregiver_key"),
        ),
    ]
