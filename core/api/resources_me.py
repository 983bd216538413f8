"""/api/v1/me: who the token acts as, and what they may do."""

from __future__ import annotations

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from core.api.models import ApiToken
from core.extensions import db
from core.permissions import acting_user, require_login

blp = Blueprint("api_me", __name__, url_prefix="/api/v1/me", description="The user your token acts as.")


class TokenInfoSchema(Schema):
    name = fields.String()
    prefix = fields.String(metadata={"description": "The token's first characters, as shown on the tokens page."})
    expires_at = fields.DateTime()


class MeSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    email = fields.String()
    permissions = fields.List(fields.String(), metadata={"description": "Every permission the user holds."})
    token = fields.Nested(TokenInfoSchema)


@blp.route("")
@require_login
class Me(MethodView):
    @blp.response(200, MeSchema)
    def get(self):
        """The user this token acts as, their permissions, and when the token expires."""
        user = acting_user()
        token = db.session.get(ApiToken, g.ppp_api_token_id)
        return {"id": user.id, "name": user.name, "email": user.email,
                "permissions": sorted(user.permission_names()), "token": token}
