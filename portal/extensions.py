"""Flask extensions, created unbound; create_app() binds them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_babel import Babel
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx

from portal.database import Base, render_alembic_item

db = SQLAlchemy(model_class=Base)

# Every model subclasses Model. At run time it is db.Model (bound to the session, the
# table-name rules of Flask-SQLAlchemy); the type checker sees the declarative Base it
# derives from, whose typed columns and keyword constructor db.Model's stub hides.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate(compare_type=True, render_as_batch=True, render_item=render_alembic_item)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
talisman = Talisman()
htmx = Htmx()
compress = Compress()
