"""The development OpenID Connect provider: a real OpenID provider for `make run` and the sign-in tests.

It is django-oauth-toolkit's OpenID Connect provider in a Django project of its own (own settings,
own database, own server process and port), so it never mixes with the application. It signs in
*test identities* only (a staff member with an HSA-id, a resident with a personnummer) and says so
on every page. It refuses to start unless DJANGO_DEBUG is on or the test suite runs it.

    python -m devtools.oidc_provider --port 8201 --database-url postgres://… --redirect-base http://127.0.0.1:8000
"""
