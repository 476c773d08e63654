"""One place where every form field and query parameter is cleaned of control characters.

PostgreSQL refuses a NUL byte in text (the request would end in a database error, a 500) and no other
control character belongs in anything a person types. So before any view, form or the CSRF check reads
them, the query parameters and form fields lose NUL and the other C0/C1 control characters; tab,
line feed and carriage return stay (text areas). Invalid UTF-8 has already become U+FFFD by then
(Django decodes with replacement). A body that cannot be parsed at all is a 400, not a 500.
"""

from __future__ import annotations

import re

from django.http import HttpResponseBadRequest, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _

CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_text(value: str) -> str:
    return CONTROL_CHARACTERS.sub("", value)


def clean_querydict(data: QueryDict) -> QueryDict:
    if not any(
        CONTROL_CHARACTERS.search(key) or any(map(CONTROL_CHARACTERS.search, values))
        for key, values in data.lists()
    ):
        return data
    cleaned = QueryDict(mutable=True, encoding=data.encoding)
    for key, values in data.lists():
        cleaned.setlist(clean_text(key), [clean_text(value) for value in values])
    cleaned._mutable = False
    return cleaned


class ControlCharactersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.GET = clean_querydict(request.GET)
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            try:
                request.POST = clean_querydict(request.POST)
            except MultiPartParserError:
                return HttpResponseBadRequest(
                    _("Formuläret kunde inte läsas. Ladda om sidan och försök igen.")
                )
        return self.get_response(request)


# What a username can be (User.username's length); a longer one typed at the login is no account.
USERNAME_MAX_LENGTH = 150


def login_username(request, credentials=None) -> str:
    """The username django-axes counts failed logins under, cut to what an account name can be.

    Axes stores it in a 255-character column: a 100,000-character username typed at the login must be a
    failed login like any other, not a database error.
    """
    username = (credentials or {}).get("username")
    if username is None:
        username = request.POST.get("username", "") if request is not None else ""
    return str(username or "")[:USERNAME_MAX_LENGTH]
