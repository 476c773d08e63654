"""Signals other apps receive to act inside the journal's own transactions.

Billing charges a dose without the journal importing billing (dependencies point one way):

- `vaccination_registered(vaccination, visit, user, billing_data)` is sent inside the atomic block of
  `services.vaccination_register`, right after the dose row is saved. `billing_data` holds the
  submitted form fields whose names start with ``billing-``.
- `vaccination_entered_in_error(vaccination, user, reason)` is sent inside the transaction that marks
  a dose entered in error.

A receiver may refuse with a `mittvaccin.refusals.Refusal` (billing's `BillingError`): the whole
transaction is rolled back (no dose is saved) and the form shows the message.
"""

import django.dispatch

vaccination_registered = django.dispatch.Signal()
vaccination_entered_in_error = django.dispatch.Signal()

# `patient_protected(patient)` is sent inside the transaction that marks a patient row protected (R7,
# A5), after the row itself has lost its contact details. A receiver removes what its app stored of
# the person's whereabouts (booking: the contact of every booking, the recipients of its messages) and
# returns a short text of what it removed, for the audit row ("2 bokningar").
patient_protected = django.dispatch.Signal()
