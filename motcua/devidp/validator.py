"""The claims the development identity provider releases, by scope (django-oauth-toolkit).

Standard claims follow OpenID Connect's scopes (profile, email, phone, address); the
identity's own (kind, ID number, tax code, representative, level) come with the `vneid`
scope, as a VNeID integration releases them to a public service portal.
"""

from oauth2_provider.oauth2_validators import OAuth2Validator

VNEID_CLAIMS = (
    "kind",
    "id_number",
    "tax_code",
    "identity_level",
    "representative_name",
    "representative_id_number",
)


class DevIdpValidator(OAuth2Validator):
    oidc_claim_scope = {
        **OAuth2Validator.oidc_claim_scope,
        **{name: "vneid" for name in VNEID_CLAIMS},
    }

    def get_claim_dict(self, request):
        from motcua.devidp.models import Identity

        identity = Identity.objects.filter(user=request.user).first()
        if identity is None:
            return {"sub": f"user-{request.user.pk}"}
        return identity.claims()

    def get_discovery_claims(self, request):
        return list(self.oidc_claim_scope)
