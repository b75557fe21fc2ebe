"""Web Push reminders: the server's key, your devices, and how you want to be reminded."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from api.extensions import db
from api.models import Role
from api.resources.deps import now
from api.schemas.push import (
    PublicKeySchema,
    ReminderPreferencesPatchSchema,
    ReminderPreferencesSchema,
    SubscribeSchema,
    SubscriptionSchema,
    preferences_answer,
)
from api.security import auth_required, current_user, documents
from api.services import push
from api.transactions import writes

blp = Blueprint(
    "push",
    __name__,
    url_prefix="/api/v1",
    description="Reminders by Web Push. Without VAPID keys on the server, the key and "
    "subscribing answer 503.",
)


def _settings() -> push.PushSettings:
    return push.PushSettings.from_config(current_app.config)


@blp.route("/push/public-key")
class PublicKey(MethodView):
    @auth_required()
    @blp.response(200, PublicKeySchema)
    @documents(503)
    @blp.doc(operationId="getPushPublicKey")
    def get(self):
        """The application server key to subscribe with"""
        return {"public_key": _settings().application_server_key()}


@blp.route("/me/push-subscriptions")
class Subscriptions(MethodView):
    @writes
    @auth_required(Role.CLIENT)
    @blp.arguments(SubscribeSchema)
    @blp.response(201, SubscriptionSchema)
    @blp.alt_response(200, schema=SubscriptionSchema, description="already subscribed")
    @documents(415, 503)
    @blp.doc(operationId="subscribePush")
    def post(self, data):
        """Subscribe this device to reminders

        Send `PushSubscription.toJSON()`. The same endpoint again updates it (200). The first
        device turns reminders on, unless you turned them off."""
        subscription, created = push.subscribe(
            db.session, _settings(), current_user(), data, clock=now
        )
        return subscription, 201 if created else 200

    @auth_required(Role.CLIENT)
    @blp.response(200, SubscriptionSchema(many=True))
    @blp.doc(operationId="listPushSubscriptions")
    def get(self):
        """Your subscribed devices"""
        return push.list_subscriptions(db.session, current_user())


@blp.route("/me/push-subscriptions/<uuid:subscription_id>")
class SubscriptionById(MethodView):
    @writes
    @auth_required(Role.CLIENT)
    @blp.response(204)
    @documents(404)
    @blp.doc(operationId="unsubscribePush")
    def delete(self, subscription_id):
        """Stop reminders on one device"""
        push.unsubscribe(db.session, current_user(), subscription_id)


@blp.route("/me/reminders")
class Reminders(MethodView):
    @auth_required(Role.CLIENT)
    @blp.response(200, ReminderPreferencesSchema)
    @blp.doc(operationId="getReminderPreferences")
    def get(self):
        """How you want to be reminded"""
        found = push.preferences(db.session, current_user())
        return _answer(found)

    @writes
    @auth_required(Role.CLIENT)
    @blp.arguments(ReminderPreferencesPatchSchema, required=False)
    @blp.response(200, ReminderPreferencesSchema)
    @documents(415)
    @blp.doc(operationId="updateReminderPreferences")
    def patch(self, changes):
        """Turn reminders on or off; set quiet hours, the daily time, and whether the
        notification may name the exercise"""
        found = push.update_preferences(db.session, current_user(), changes or {}, clock=now)
        return _answer(found)


def _answer(found: push.Preferences):
    return preferences_answer(
        found.stored, enabled=found.enabled, push_available=_settings().configured
    )
