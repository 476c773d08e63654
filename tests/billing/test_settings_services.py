"""Billing's administrator forms write through services: settings and articles, called without HTTP."""

import pytest
from django.urls import reverse

from billing import services
from billing.models import Article, ArticleKind, BillingSettings
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_billing_settings_save_creates_the_row_once_and_changes_only_what_is_given(cast):
    row = services.billing_settings_save(
        caregiver=cast.caregiver_a, data={"bankgiro": "5050-1055", "payment_terms_days": 20}
    )
    assert (row.bankgiro, row.payment_terms_days) == ("5050-1055", 20)
    assert row.forwarding_name == "Skatteverket"  # a default nobody changed
    services.billing_settings_save(caregiver=cast.caregiver_a, data={"payment_terms_days": 30})
    assert BillingSettings.objects.filter(caregiver=cast.caregiver_a).count() == 1
    stored = services.billing_settings_for(cast.caregiver_a)
    assert (stored.bankgiro, stored.payment_terms_days) == ("5050-1055", 30)
    assert not BillingSettings.objects.filter(caregiver=cast.caregiver_b).exists()


def test_article_save_changes_name_code_and_use_but_not_its_kind(cast):
    article = services.articles_ensure(cast.caregiver_a)["no_show"]
    saved = services.article_save(article=article, data={"name": "Uteblivet besök", "code": "7002"})
    stored = Article.objects.get(pk=saved.pk)
    assert (stored.name, stored.code, stored.kind) == ("Uteblivet besök", "7002", ArticleKind.NO_SHOW)


def test_article_form_posts_through_the_service(cast):
    article = services.articles_ensure(cast.caregiver_a)["late_cancellation"]
    response = client_for(cast.admin_a).post(
        reverse("billing:article_edit", args=[article.pk]), {"name": "Sen avbokning", "code": "7003"}
    )
    assert response.status_code == 302
    article.refresh_from_db()
    # The form's unchecked box is a change too: the article is no longer in use.
    assert (article.name, article.code, article.is_active) == ("Sen avbokning", "7003", False)
