from django.db import migrations


class Migration(migrations.Migration):
    """Booking messages sent before messages named their patient get it from their booking reference,
    so a later marking of protected identity (R7, A5) empties their recipients too."""

    dependencies = [
        ("booking", "0001_initial"),
        ("mittvaccin", "0002_protection"),
    ]

    operations = [
        migrations.RunSQL(
            sql="""
                UPDATE mittvaccin_outboundmessage m SET patient_id = b.patient_id
                  FROM booking_booking b
                 WHERE m.patient_id IS NULL AND m.reference = b.reference
            """,
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
