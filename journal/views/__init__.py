"""The journal's screens, one module per topic (patients, visit, orders, notes, signals, shared record,
certificate, access log).

Views parse input, check rights, call one service and render. Every view under a patient id goes
through `patient_view` (tenancy, right, access log). A view answers an htmx request with the named
partial of its template and a plain request with the whole page (after POST: a redirect), so every
step also works without JavaScript.
"""
