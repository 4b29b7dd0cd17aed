from tests.support.app import settings
from tests.support.web import alice, anonymous, bob, catalog, launcher, web_app, world

__all__ = ["alice", "anonymous", "bob", "catalog", "launcher", "settings", "web_app", "world"]
