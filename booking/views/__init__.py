"""Timebook screens, one module per topic: staff pages (R14) — day and week, booking, one booking,
setup — and the residents' public pages (`public`).

Every staff page is per unit and exists only where the unit has a timebook (R5). Tenancy first
(another caregiver's ids answer 404), then the right (403), then the unit's switch (a clear 404 page).
"""
