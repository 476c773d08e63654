"""Authentication backend: the normal password check, with the staff account's caregiver loaded once."""

import time

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from mittvaccin.middleware import SESSION_LOGIN_AT, SESSION_SEEN_AT
from mittvaccin.models import User


class StaffBackend(ModelBackend):
    def get_user(self, user_id):
        # The header shows the caregiver on every page; load it with the user, not in a second query.
        user = User.objects.select_related("caregiver").filter(pk=user_id).first()
        return user if user and self.user_can_authenticate(user) else None


@receiver(user_logged_in)
def mark_login_time(sender, request, user, **kwargs):
    now = int(time.time())
    request.session[SESSION_LOGIN_AT] = now
    request.session[SESSION_SEEN_AT] = now
