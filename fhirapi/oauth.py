"""django-oauth-toolkit's hooks: a client gets only the scopes its administrator granted."""

from oauth2_provider.scopes import SettingsScopes


class ClientScopes(SettingsScopes):
    def get_available_scopes(self, application=None, request=None, *args, **kwargs):
        if application is None:
            return super().get_available_scopes(application, request, *args, **kwargs)
        return list(application.scopes)

    def get_default_scopes(self, application=None, request=None, *args, **kwargs):
        # A token request without `scope` gets every scope the client was granted.
        return self.get_available_scopes(application, request, *args, **kwargs)
