"""Authentication backend: the normal password check; the signed-in account comes from one cache read."""

import time

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from mittvaccin.middleware import SESSION_LOGIN_AT, SESSION_SEEN_AT
from mittvaccin.principal import principal


class StaffBackend(ModelBackend):
    def get_user(self, user_id):

        # With its caregiver and units (the header and request.unit), cached: see mittvaccin.principal.
        user = principal(user_id)
        return user if user and self.user_can_authenticate(user) else None


@receiver(user_logged_in)
def mark_login_time(sender, request, user, **kwargs):
    now = int(time.time())
    request.session[SESSION_LOGIN_AT] = now
    request.session[SESSION_SEEN_AT] = now
