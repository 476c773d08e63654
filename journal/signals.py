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
