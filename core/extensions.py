"""Every shared extension object, created once here and bound to each app by create_app."""

from __future__ import annotations

import pluggy
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

#: stable constraint names, which Alembic's SQLite batch mode and later migrations rely on
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base for every core and module model, sharing one MetaData."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class BoundSession(FlaskSession):
    """A session that honours an explicit bind, so a test can run inside one connection and roll it back."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is None and self.bind is not None:
            return self.bind
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


db = SQLAlchemy(model_class=Base, session_options={"class_": BoundSession})
login_manager = LoginManager()
csrf = CSRFProtect()

#: marks a function as an implementation of a PPP hook
hookimpl = pluggy.HookimplMarker("ppp")
#: marks a function in core.hookspecs as a hook specification
hookspec = pluggy.HookspecMarker("ppp")
