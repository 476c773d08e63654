"""The access log stores facts: an action code and its parameters instead of a sentence translated when
the row was written (issue 12). Every row the product has written gets its code, whichever of the two
languages its reader used; a sentence this migration does not know is kept, word for word, as the
parameter of the code `legacy`. Works on the plain table and on one partitioned by month (the UPDATE
goes through the parent)."""

from django.db import migrations, models

TABLE = "mittvaccin_accesslogentry"

# (code, Swedish sentence, English sentence) as the product wrote them before this migration.
SENTENCES = [
    ("journal.patient", "Patientöversikt", "Patient overview"),
    ("journal.patient.contact", "Kontaktuppgifter", "Contact details"),
    ("journal.search.hit", "Sökträff", "Search result"),
    ("journal.assessments.list", "Lista: väntar på bedömning", "List: awaiting assessment"),
    ("journal.signal.todo", "Att dokumentera: uppmärksamhetssignal", "To document: attention signal"),
    ("journal.vaccination.elsewhere", "Tidigare vaccination registrerad", "Previous vaccination registered"),
    ("journal.vaccination.error", "Vaccination: markera felregistrerad", "Vaccination: mark as entered in error"),
    ("journal.certificate", "Vaccinationsintyg (PDF)", "Vaccination certificate (PDF)"),
    ("journal.visit.start", "Besök påbörjat", "Visit started"),
    ("journal.visit", "Vaccinationsbesök: kontroller och vaccination", "Vaccination visit: checks and vaccination"),
    ("journal.visit.declaration", "Hälsodeklaration registrerad", "Health declaration registered"),
    ("journal.visit.assessment", "Bedömning före vaccination", "Assessment before vaccination"),
    ("journal.visit.confirm", "Kontroller före vaccination bekräftade", "Pre-vaccination checks confirmed"),
    ("journal.visit.dose", "Vaccination registrerad", "Vaccination registered"),
    ("journal.visit.not_given", "Vaccination ej given registrerad", "Vaccination not given registered"),
    ("journal.shared.consent", "Sammanhållen journal: samtycke", "Shared record: consent"),
    ("journal.shared.block", "Sammanhållen journal: spärr", "Shared record: block"),
    ("journal.shared.block_lift", "Sammanhållen journal: häv spärr", "Shared record: lift block"),
    ("journal.shared.read", "Sammanhållen journal", "Shared record"),
    ("journal.shared.emergency.considered", "Nödåtkomst: övervägd", "Emergency access: considered"),
    ("journal.shared.emergency", "Nödåtkomst, sammanhållen journal", "Emergency access, shared record"),
    ("journal.signal.create", "Ny uppmärksamhetssignal", "New attention signal"),
    ("journal.signal.documented", "Uppmärksamhetssignal: dokumenterad i huvudjournalen", "Attention signal: documented in the main record"),
    ("journal.signal.inactivate", "Uppmärksamhetssignal: inaktivera", "Attention signal: deactivate"),
    ("journal.signal.fhir", "Uppmärksamhetssignal: FHIR-export", "Attention signal: FHIR export"),
    ("journal.note.create", "Ny anteckning", "New note"),
    ("journal.note.correct", "Anteckning: rätta", "Note: correct"),
    ("journal.note.comment", "Anteckning: kommentar", "Note: comment"),
    ("journal.order.create", "Ordination", "Order"),
    ("journal.order.error", "Ordination: makulera", "Order: void"),
    ("journal.access_log.extract", "Loggutdrag", "Log extract"),
    ("booking.book.patient_chosen", "Bokning: patient vald", "Booking: patient selected"),
    ("booking.book.patient_registered", "Bokning: patient registrerad", "Booking: patient registered"),
    ("booking.booking", "Bokning", "Booking"),
    ("booking.booking.move", "Bokning: flytta", "Booking: reschedule"),
    ("booking.booking.cancel", "Bokning: avboka", "Booking: cancel"),
    ("booking.booking.check_in", "Incheckning", "Check-in"),
    ("booking.booking.no_show", "Bokning: utebliven", "Booking: no-show"),
    ("booking.booking.undo_no_show", "Bokning: ångra uteblivet", "Booking: undo no-show"),
    ("booking.timebook.affected", "Tidbok: bokningar att hantera", "Timebook: bookings to handle"),
    ("booking.billing_facts", "Uteblivna och sena avbokningar", "No-shows and late cancellations"),
    ("billing.late_cancellations", "Sena avbokningar att debitera", "Late cancellations to charge"),
    ("billing.late_cancellation", "Sen avbokning", "Late cancellation"),
    ("billing.review", "Granskning av fakturering", "Billing review"),
    ("billing.charge", "Debitering", "Charge"),
    ("billing.invoices", "Fakturalista", "Invoice list"),
    ("billing.invoice", "Faktura", "Invoice"),
    ("billing.invoice.pdf", "Faktura (PDF)", "Invoice (PDF)"),
    ("billing.invoices.export", "Fakturaexport", "Invoice export"),
    ("billing.dose_price", "Pris och kampanj vid vaccination", "Price and campaign at vaccination"),
    # Reads added by the catalogue, stock and recall, protection, statistics and payments, the register
    # reporting and the residents' pages before the codes landed.
    ("journal.recall", "Batchåterkallelse", "Lot recall"),
    ("journal.protection", "Skyddad identitet", "Protected identity"),
    ("journal.order_request", "Begär ordination", "Request an order"),
    ("journal.order_request.answer", "Begäran om ordination: besvara", "Request for an order: answer"),
    ("journal.order_requests.list", "Lista: begärda ordinationer", "List: requested orders"),
    (
        "journal.previsit.assessment",
        "Bedömning av hälsodeklaration före besöket",
        "Assessment of a health declaration before the visit",
    ),
    ("journal.access_log.review", "Loggkontroll", "Access-log review"),
    ("billing.chain", "Kedjan från dos till betalning", "The chain from dose to payment"),
    ("billing.payment", "Betalning att hantera", "Payment to handle"),
    ("billing.overdue", "Förfallna fakturor", "Overdue invoices"),
    ("billing.reminder.pdf", "Påminnelse (PDF)", "Reminder (PDF)"),
    (
        "nvr.pending",
        "Vaccinationsregistret: väntande och ej levererade doser",
        "Vaccination register: doses waiting or not delivered",
    ),
    ("nvr.patient", "Vaccinationsregistret: dosernas rapportering", "Vaccination register: reporting of the doses"),
    ("residents.overview", "Mina vaccinationer: översikt", "My vaccinations: overview"),
    (
        "residents.certificate",
        "Mina vaccinationer: vaccinationsintyg (PDF)",
        "My vaccinations: vaccination certificate (PDF)",
    ),
    ("residents.booking", "Mina vaccinationer: bokning", "My vaccinations: booking"),
    (
        "residents.declaration",
        "Mina vaccinationer: hälsodeklaration före besöket",
        "My vaccinations: health declaration before the visit",
    ),
]
# Sentences with a parameter: (code, parameter, Swedish prefix, English prefix).
WITH_PARAMETER = [
    ("booking.timebook.day", "day", "Tidbok, dag ", "Timebook, day "),
    ("journal.shared.read_by", "caregiver", "Sammanhållen journal, läst av ", "Shared record, read by "),
    ("booking.day_list", "day", "Dagslista, ", "Day list, "),
    # The FHIR API wrote "FHIR: <resource>" (and "FHIR: Patient (sökning)") in Swedish only.
    ("fhir.read", "resource", "FHIR: ", "FHIR: "),
]


def _ignoring_append_only(cursor):
    # The rows are converted in place once, by the owner role that runs migrations: pgtrigger's own
    # switch (a transaction-local setting naming the triggers) lets this one transaction through.
    cursor.execute(
        "SELECT coalesce(array_agg(tgname::text), '{}') FROM pg_trigger "
        "WHERE tgrelid = %s::regclass AND NOT tgisinternal AND tgname LIKE 'pgtrigger_%%'",
        [TABLE],
    )
    (names,) = cursor.fetchone()
    cursor.execute("SELECT set_config('pgtrigger.ignore', %s, true)", ["{" + ",".join(names) + "}"])


def to_codes(apps, schema_editor):
    action_cases, plain, params = [], [], []
    for code, swedish, english in SENTENCES:
        action_cases.append("WHEN what IN (%s, %s) THEN %s")
        params += [swedish, english, code]
        plain += [swedish, english]
    param_action_cases, param_params = [], []
    for code, name, swedish, english in WITH_PARAMETER:
        for prefix in (swedish, english):
            action_cases.append("WHEN starts_with(what, %s) THEN %s")
            params += [prefix, code]
            param_action_cases.append("WHEN starts_with(what, %s) THEN jsonb_build_object(%s, substr(what, %s))")
            param_params += [prefix, name, len(prefix) + 1]
    sql = (
        f"UPDATE {TABLE} SET "
        f"action = CASE {' '.join(action_cases)} ELSE 'legacy' END, "
        f"params = CASE WHEN what IN ({', '.join(['%s'] * len(plain))}) THEN '{{}}'::jsonb "
        f"{' '.join(param_action_cases)} ELSE jsonb_build_object('text', what) END"
    )
    with schema_editor.connection.cursor() as cursor:
        _ignoring_append_only(cursor)
        cursor.execute(sql, params + plain + param_params)


def to_sentences(apps, schema_editor):
    """Back to the Swedish sentence (a row converted from English comes back in Swedish)."""
    cases, params = [], []
    for code, swedish, _english in SENTENCES:
        cases.append("WHEN %s THEN %s")
        params += [code, swedish]
    for code, name, swedish, _english in WITH_PARAMETER:
        cases.append("WHEN %s THEN %s || (params ->> %s)")
        params += [code, swedish, name]
    sql = (
        f"UPDATE {TABLE} SET what = left(CASE action {' '.join(cases)} "
        f"WHEN 'legacy' THEN params ->> 'text' ELSE action END, 120)"
    )
    with schema_editor.connection.cursor() as cursor:
        _ignoring_append_only(cursor)
        cursor.execute(sql, params)


class Migration(migrations.Migration):
    dependencies = [
        ("mittvaccin", "0007_access_log_reader_user_client_or_resident"),
    ]

    operations = [
        migrations.AddField(
            model_name="accesslogentry",
            name="action",
            field=models.CharField(default="legacy", max_length=60, verbose_name="vad"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="accesslogentry",
            name="params",
            field=models.JSONField(blank=True, default=dict, verbose_name="uppgifter"),
        ),
        migrations.RunPython(to_codes, to_sentences),
        migrations.RemoveField(
            model_name="accesslogentry",
            name="what",
        ),
    ]
