"""Screens: your own API tokens, every token (user administrators), webhooks and deliveries, the API reference."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for

from core.api import services, webhooks
from core.api.blueprint import bp
from core.api.forms import ActionForm, SubscriptionForm, TokenForm
from core.api.models import DELIVERY_STATUSES, ApiToken, WebhookDelivery, WebhookSubscription
from core.extensions import db
from core.permissions import can, public, require_login, require_permission
from core.types import utcnow
from core.web.conflict import StaleEdit, conflict_page, ensure_current


def _once(html: str):
    # a page showing a secret once must not be kept by the browser or a proxy
    response = make_response(html)
    response.headers["Cache-Control"] = "no-store"
    return response


# --- your own tokens ---------------------------------------------------------------------------------------------


@bp.route("/account/api-tokens")
@require_login
def tokens():
    return render_template(
        "api/tokens.html", tokens=services.my_tokens(), now=utcnow(), can_create=can(services.CREATE_TOKENS),
        action_form=ActionForm(),
    )


@bp.route("/account/api-tokens/new", methods=["GET", "POST"])
@require_permission(services.CREATE_TOKENS)
def token_new():
    form = TokenForm()
    form.set_limits(services.default_token_days(), services.max_token_days())
    if form.validate_on_submit():
        try:
            made = services.create_token(form.name.data, form.days.data)
        except services.ApiChangeError as exc:
            getattr(form, exc.field, form.name).errors.append(str(exc))
        else:
            db.session.commit()
            return _once(render_template("api/token_created.html", token=made.token, value=made.value))
    return render_template("api/token_new.html", form=form), 400 if form.errors else 200


@bp.route("/account/api-tokens/<int:token_id>/revoke", methods=["POST"])
@require_login
def token_revoke(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None or not services.can_revoke(token):
        abort(404)
    if ActionForm().validate_on_submit():
        services.revoke_token(token)
        db.session.commit()
        flash(f'The token "{token.name}" has been revoked. Anything using it can no longer call the API.', "success")
    return redirect(request.form.get("back") == "all" and url_for("api.all_tokens") or url_for("api.tokens"))


@bp.route("/admin/api-tokens")
@require_permission(services.MANAGE_USERS)
def all_tokens():
    return render_template("api/all_tokens.html", tokens=services.all_tokens(), now=utcnow(), action_form=ActionForm())


# --- webhooks ----------------------------------------------------------------------------------------------------


def _subscription_or_404(subscription_id: int) -> WebhookSubscription:
    return db.session.get(WebhookSubscription, subscription_id) or abort(404)


def _subscription_form(**kwargs) -> SubscriptionForm:
    form = SubscriptionForm(**kwargs)
    form.events.choices = [(name, f"{name}: {label}") for name, label in webhooks.available_events().items()]
    return form


@bp.route("/admin/webhooks")
@require_permission(services.MANAGE_WEBHOOKS)
def webhooks_index():
    status = request.args.get("status") if request.args.get("status") in DELIVERY_STATUSES else None
    return render_template(
        "api/webhooks.html", subscriptions=services.list_subscriptions(),
        deliveries=services.recent_deliveries(status=status), statuses=DELIVERY_STATUSES, status=status,
    )


@bp.route("/admin/webhooks/new", methods=["GET", "POST"])
@require_permission(services.MANAGE_WEBHOOKS)
def webhook_new():
    form = _subscription_form()
    if form.validate_on_submit():
        try:
            subscription, secret = services.create_subscription(form.name.data, form.url.data, form.events.data or [])
        except services.ApiChangeError as exc:
            getattr(form, exc.field).errors.append(str(exc))
        else:
            db.session.commit()
            return _once(render_template("api/webhook_secret.html", subscription=subscription, secret=secret, new=True))
    return render_template("api/webhook_form.html", form=form, subscription=None), 400 if form.errors else 200


@bp.route("/admin/webhooks/<int:subscription_id>")
@require_permission(services.MANAGE_WEBHOOKS)
def webhook_show(subscription_id: int):
    subscription = _subscription_or_404(subscription_id)
    return render_template(
        "api/webhook.html", subscription=subscription, events=webhooks.available_events(),
        deliveries=services.recent_deliveries(subscription_id=subscription.id), action_form=ActionForm(),
    )


@bp.route("/admin/webhooks/<int:subscription_id>/edit", methods=["GET", "POST"])
@require_permission(services.MANAGE_WEBHOOKS)
def webhook_edit(subscription_id: int):
    subscription = _subscription_or_404(subscription_id)
    form = _subscription_form(obj=subscription)
    if request.method == "GET":
        form.version.data = str(subscription.version)
    if form.validate_on_submit():
        try:
            ensure_current(subscription, form.version.data, f"Webhook {subscription.name}", {
                "name": ("Name", form.name.data), "url": ("Address", form.url.data),
                "events": ("Events", sorted(form.events.data or [])), "active": ("Active", form.active.data),
            })
            services.update_subscription(subscription, form.name.data, form.url.data, form.events.data or [],
                                         form.active.data)
        except StaleEdit as stale:
            return conflict_page(stale, url_for("api.webhook_edit", subscription_id=subscription.id))
        except services.ApiChangeError as exc:
            getattr(form, exc.field).errors.append(str(exc))
        else:
            db.session.commit()
            flash("The webhook has been saved.", "success")
            return redirect(url_for("api.webhook_show", subscription_id=subscription.id))
    return render_template("api/webhook_form.html", form=form, subscription=subscription), 400 if form.errors else 200


@bp.route("/admin/webhooks/<int:subscription_id>/secret", methods=["POST"])
@require_permission(services.MANAGE_WEBHOOKS)
def webhook_secret(subscription_id: int):
    subscription = _subscription_or_404(subscription_id)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("api.webhook_show", subscription_id=subscription.id))
    secret = services.rotate_secret(subscription)
    db.session.commit()
    return _once(render_template("api/webhook_secret.html", subscription=subscription, secret=secret, new=False))


@bp.route("/admin/webhooks/deliveries/<int:delivery_id>")
@require_permission(services.MANAGE_WEBHOOKS)
def delivery_show(delivery_id: int):
    delivery = db.session.get(WebhookDelivery, delivery_id) or abort(404)
    return render_template("api/delivery.html", delivery=delivery, action_form=ActionForm())


@bp.route("/admin/webhooks/deliveries/<int:delivery_id>/send", methods=["POST"])
@require_permission(services.MANAGE_WEBHOOKS)
def delivery_send(delivery_id: int):
    delivery = db.session.get(WebhookDelivery, delivery_id) or abort(404)
    if ActionForm().validate_on_submit():
        try:
            webhooks.send_again(delivery)
        except ValueError as exc:
            flash(str(exc))
        else:
            db.session.commit()
            flash("The event is being sent again.", "success")
    return redirect(url_for("api.delivery_show", delivery_id=delivery.id))


# --- the API reference -------------------------------------------------------------------------------------------


@bp.route("/api/v1/docs")
@public
def reference():
    return render_template("api/reference.html")
