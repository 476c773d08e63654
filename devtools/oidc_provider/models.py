from django.conf import settings
from django.db import models


class TestIdentity(models.Model):
    """A made-up person the development provider can sign in: a staff card (HSA-id) or a resident (personnummer)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="identity")
    label = models.CharField(max_length=200)
    hsa_id = models.CharField(max_length=40, blank=True)
    personnummer = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["label"]

    def __str__(self) -> str:
        return self.label
