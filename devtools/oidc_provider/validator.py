from django.conf import settings
from oauth2_provider.oauth2_validators import OAuth2Validator


class TestIdentityValidator(OAuth2Validator):
    """Puts the test identity's claims in the ID token, under the names the application is told to read."""

    oidc_claim_scope = None  # every claim below goes out whatever the scopes

    def get_additional_claims(self, request):
        identity = getattr(request.user, "identity", None)
        claims = {
            "name": request.user.get_full_name(),
            "given_name": request.user.first_name,
            "family_name": request.user.last_name,
        }
        if identity is not None and identity.hsa_id:
            claims[settings.IDP_HSA_CLAIM] = identity.hsa_id
        if identity is not None and identity.personnummer:
            claims[settings.IDP_PERSONNUMMER_CLAIM] = identity.personnummer
        return claims

    def get_oidc_issuer_endpoint(self, request):
        return settings.IDP_TOKEN_ISSUER or super().get_oidc_issuer_endpoint(request)
