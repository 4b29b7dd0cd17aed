from tests.support.app import settings
from tests.support.web import anonymous, catalog, launcher, web_app, world

__all__ = ["anonymous", "catalog", "launcher", "settings", "web_app", "world"]
