"""Getting ready for the next session: the client's agenda (things to bring) and the
therapist's summary of the time since the last one."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from api.extensions import db
from api.models import Role
from api.resources.deps import now
from api.schemas.agenda import (
    AgendaItemInSchema,
    AgendaItemPatchSchema,
    AgendaItemSchema,
    SharedAgendaItemSchema,
)
from api.schemas.summary import SessionSummarySchema, SummaryQuerySchema
from api.security import auth_required, current_user, documents
from api.services import agenda, care_reads, summary
from api.transactions import writes

blp = Blueprint(
    "sessions",
    __name__,
    url_prefix="/api/v1",
    description="Getting ready for the next session: your agenda (things to bring, each "
    "shared with your therapists or not) and, for therapists, a summary of the time between.",
)


@blp.route("/me/agenda")
class MyAgenda(MethodView):
    @writes
    @auth_required(Role.CLIENT)
    @blp.arguments(AgendaItemInSchema)
    @blp.response(201, AgendaItemSchema)
    @documents(404, 415)
    @blp.doc(operationId="addAgendaItem")
    def post(self, data):
        """Jot down something to bring to your next session

        With `shared` true every therapist you are linked with may read it; with false only
        you can. A `practice_id` that is not one of your practices answers 404."""
        return agenda.add_item(db.session, current_user(), data, clock=now)

    @auth_required(Role.CLIENT)
    @blp.response(200, AgendaItemSchema(many=True))
    @blp.doc(operationId="listAgenda")
    def get(self):
        """Your agenda: the items not yet done first, newest first"""
        return agenda.items_of(db.session, current_user())


@blp.route("/me/agenda/<uuid:item_id>")
class MyAgendaItem(MethodView):
    @writes
    @auth_required(Role.CLIENT)
    @blp.arguments(AgendaItemPatchSchema)
    @blp.response(200, AgendaItemSchema)
    @documents(404, 415)
    @blp.doc(operationId="updateAgendaItem")
    def patch(self, data, item_id):
        """Change an item: its text, whether it is shared, or mark it done (or not)"""
        return agenda.update_item(db.session, current_user(), item_id, data, clock=now)

    @writes
    @auth_required(Role.CLIENT)
    @blp.response(204)
    @documents(404)
    @blp.doc(operationId="deleteAgendaItem")
    def delete(self, item_id):
        """Delete an item for good"""
        agenda.delete_item(db.session, current_user(), item_id)


@blp.route("/clients/<uuid:client_id>/agenda")
class ClientAgenda(MethodView):
    @writes
    @auth_required(Role.THERAPIST)
    @blp.response(200, SharedAgendaItemSchema(many=True))
    @documents(404)
    @blp.doc(operationId="getClientAgenda")
    def get(self, client_id):
        """The items a linked client shared for their next session (not yet done first)

        Items the client keeps to themselves are never included. The read is written to the
        client's access log."""
        return care_reads.client_agenda(db.session, current_user(), client_id, clock=now)


@blp.route("/clients/<uuid:client_id>/summary")
class ClientSummary(MethodView):
    @writes
    @auth_required(Role.THERAPIST)
    @blp.arguments(SummaryQuerySchema, location="query")
    @blp.response(200, SessionSummarySchema)
    @documents(404)
    @blp.doc(operationId="getSessionSummary")
    def get(self, args, client_id):
        """Before the next session: a linked client's days between two dates on one page

        Practices done against expected per prescription (the rule of the adherence
        operation), the mean mood change and the exercises that helped most by the client's
        own ratings (only when they share mood), the notes they share (only when they share
        notes), and the agenda items they shared and have not marked done. Only practices
        you may see count (see `listClientPractices`). Each read is in the client's access
        log, and the default range starts on the day of the last summary you read."""
        return summary.session_summary(
            db.session,
            current_user(),
            client_id,
            first_day=args.get("from_"),
            last_day=args.get("to"),
            clock=now,
        )
