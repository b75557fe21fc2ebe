"""Care: therapists and the clients who chose them.

A therapist reaches a client only through an active link the client made by accepting an
invitation; anything else answers 404. Every read of a client's data is logged for them."""

from __future__ import annotations

from datetime import date

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from api.extensions import db
from api.models import Role
from api.ratelimit import enforce
from api.resources.deps import now, page_of, page_of_list
from api.schemas.care import (
    AcceptSchema,
    AccessLogEntrySchema,
    AdherenceQuerySchema,
    AdherenceSchema,
    ClientPracticePageSchema,
    ClientSchema,
    InvitationRequestSchema,
    InvitationSchema,
    LinkSchema,
    PlanQuerySchema,
    PlanSchema,
    PrescriptionInSchema,
    PrescriptionPatchSchema,
    PrescriptionSchema,
    SharingSchema,
)
from api.schemas.overlay import Overlay
from api.schemas.practices import PracticeListQuerySchema
from api.security import auth_required, current_user, documents
from api.services import adherence, care, care_reads, schedule
from api.services.stats import today_for
from api.transactions import writes

blp = Blueprint(
    "care",
    __name__,
    url_prefix="/api/v1",
    description="Therapists and their clients: consent links, prescriptions, plans, adherence "
    "and the access log.",
)


# --- invitations ---------------------------------------------------------------------------


@blp.route("/invitations")
class Invitations(MethodView):
    @writes
    @auth_required(Role.THERAPIST)
    @blp.arguments(InvitationRequestSchema, required=False)
    @blp.response(201, InvitationSchema)
    @documents(415, 429)
    @blp.doc(operationId="createInvitation")
    def post(self, data):
        """Create a single-use invitation code for a client (valid for 7 days)

        With `email`, the code is also mailed to that address (from your display name, with
        a neutral subject and a link that opens the app with the code filled in); mailed
        invitations are rate limited per therapist. The code is returned either way, to read
        aloud or pass on."""
        email = (data or {}).get("email")
        if email:
            enforce(
                current_app.config["INVITE_MAIL_RATE_LIMIT"], f"invite-mail:{current_user().id}"
            )
        invitation, code = care.create_invitation(
            db.session, current_user(), clock=now, email=email
        )
        return Overlay(invitation, code=code)


@blp.route("/invitations/<code:code>/accept")
class AcceptInvitation(MethodView):
    @writes
    @auth_required(Role.CLIENT)
    @blp.arguments(AcceptSchema)
    @blp.response(201, LinkSchema)
    @documents(404, 409, 415, 429)
    @blp.doc(operationId="acceptInvitation")
    def post(self, data, code):
        """Accept a therapist's invitation, choosing what they may see

        The therapist sees the practices you start from now on; with `share_history` also
        your earlier ones. `share_mood` and `share_notes` apply to every practice they see.
        An unknown, used or expired code answers 404, the same for all three. Attempts are
        rate limited."""
        limits = current_app.config["INVITE_RATE_LIMIT"]
        enforce(limits, f"invite-user:{current_user().id}")
        enforce(limits, f"invite-addr:{request.remote_addr}")
        return care.accept_invitation(db.session, current_user(), code, clock=now, **data)


# --- the client's links --------------------------------------------------------------------


@blp.route("/me/therapists")
class MyTherapists(MethodView):
    @auth_required(Role.CLIENT)
    @blp.response(200, LinkSchema(many=True))
    @blp.paginate()
    @blp.doc(operationId="listMyTherapists")
    def get(self, pagination_parameters):
        """The therapists you are linked with, and what each may see"""
        links = care.links_of_client(db.session, current_user())
        return page_of_list(links, pagination_parameters)


@blp.route("/me/therapists/<uuid:therapist_id>")
class MyTherapist(MethodView):
    @writes
    @auth_required(Role.CLIENT)
    @blp.arguments(SharingSchema)
    @blp.response(200, LinkSchema)
    @documents(404, 415)
    @blp.doc(operationId="updateTherapistLink")
    def patch(self, data, therapist_id):
        """Change what this therapist may see

        Every change applies at once to everything this therapist can see, earlier practices
        included: `share_mood` shows or hides the mood ratings of all of them, `share_notes`
        all the notes you marked as shared. `share_history` decides which practices they see:
        false (the default), only those that started at or after you linked with them; true,
        your earlier practices too."""
        link = care.client_link(db.session, current_user(), therapist_id)
        return care.update_link(db.session, link, data)

    @writes
    @auth_required(Role.CLIENT)
    @blp.response(204)
    @documents(404)
    @blp.doc(operationId="endTherapistLink")
    def delete(self, therapist_id):
        """End the link: the therapist's access ends at once and their prescriptions end today"""
        me = current_user()
        link = care.client_link(db.session, me, therapist_id)
        care.revoke_link(db.session, link, today=today_for(me, now), clock=now)


# --- the therapist's clients ---------------------------------------------------------------


@blp.route("/clients")
class Clients(MethodView):
    @writes
    @auth_required(Role.THERAPIST)
    @blp.response(200, ClientSchema(many=True))
    @blp.paginate()
    @blp.doc(operationId="listClients")
    def get(self, pagination_parameters):
        """Your linked clients, with their last practice and 7-day adherence

        Like every read of a client's practices, these count only practices that started at
        or after the client linked with you, unless the client shares their history."""
        therapist = current_user()
        links = page_of_list(care.links_of_therapist(db.session, therapist), pagination_parameters)
        return care_reads.clients_overview(db.session, therapist, links, clock=now)


@blp.route("/clients/<uuid:client_id>")
class ClientById(MethodView):
    @writes
    @auth_required(Role.THERAPIST)
    @blp.response(200, ClientSchema)
    @documents(404)
    @blp.doc(operationId="getClient")
    def get(self, client_id):
        """One linked client: last practice and 7-day adherence"""
        return care_reads.client_overview(db.session, current_user(), client_id, clock=now)


@blp.route("/clients/<uuid:client_id>/practices")
class ClientPractices(MethodView):
    @writes
    @auth_required(Role.THERAPIST)
    @blp.arguments(PracticeListQuerySchema, location="query")
    @blp.response(200, ClientPracticePageSchema)
    @documents(404)
    @blp.doc(operationId="listClientPractices")
    def get(self, args, client_id):
        """A linked client's practices, newest first

        Only practices that started at or after the client linked with you, unless they share
        their history (then earlier ones too). Mood only when the client shares mood; a note
        only when they share notes and marked that practice's note as shared. Paged by cursor
        like your own list."""
        return care_reads.client_practices(
            db.session,
            current_user(),
            client_id,
            limit=args["limit"],
            cursor=args.get("cursor"),
            exercise=args.get("exercise"),
            first_day=args.get("from_"),
            last_day=args.get("to"),
            clock=now,
        )


@blp.route("/clients/<uuid:client_id>/adherence")
class ClientAdherence(MethodView):
    @writes
    @auth_required(Role.THERAPIST)
    @blp.arguments(AdherenceQuerySchema, location="query")
    @blp.response(200, AdherenceSchema)
    @blp.doc(description=schedule.__doc__)
    @documents(404)
    @blp.doc(operationId="getClientAdherence")
    def get(self, args, client_id):
        """Per prescription per week (Monday to Sunday in the client's time zone): expected
        and done"""
        return care_reads.client_adherence(
            db.session, current_user(), client_id, weeks=args["weeks"], clock=now
        )


@blp.route("/clients/<uuid:client_id>/prescriptions")
class ClientPrescriptions(MethodView):
    @writes
    @auth_required(Role.THERAPIST)
    @blp.arguments(PrescriptionInSchema)
    @blp.response(201, PrescriptionSchema)
    @documents(404, 415)
    @blp.doc(operationId="createPrescription")
    def post(self, data, client_id):
        """Prescribe a practice on a schedule"""
        link = care.therapist_link(db.session, current_user(), client_id)
        return care.create_prescription(db.session, link, data, clock=now)

    @writes
    @auth_required(Role.THERAPIST)
    @blp.response(200, PrescriptionSchema(many=True))
    @blp.paginate()
    @documents(404)
    @blp.doc(operationId="listClientPrescriptions")
    def get(self, client_id, pagination_parameters):
        """What you have prescribed this client, newest first (ended ones too)"""
        rows = care_reads.client_prescriptions(db.session, current_user(), client_id, clock=now)
        return page_of_list(rows, pagination_parameters)


@blp.route("/prescriptions/<uuid:prescription_id>")
class PrescriptionById(MethodView):
    @writes
    @auth_required(Role.THERAPIST)
    @blp.arguments(PrescriptionPatchSchema)
    @blp.response(200, PrescriptionSchema)
    @documents(404, 409, 415)
    @blp.doc(operationId="updatePrescription")
    def patch(self, data, prescription_id):
        """Change a prescription you wrote"""
        prescription, _link = care.therapist_prescription(
            db.session, current_user(), prescription_id
        )
        return care.update_prescription(db.session, prescription, data, clock=now)

    @writes
    @auth_required(Role.THERAPIST)
    @blp.response(204)
    @documents(404)
    @blp.doc(operationId="endPrescription")
    def delete(self, prescription_id):
        """End a prescription you wrote: due no more after today, kept in the history"""
        prescription, link = care.therapist_prescription(
            db.session, current_user(), prescription_id
        )
        care.end_prescription(
            db.session, prescription, today=today_for(link.client, now), clock=now
        )


# --- the client's own view -----------------------------------------------------------------


@blp.route("/me/prescriptions")
class MyPrescriptions(MethodView):
    @auth_required(Role.CLIENT)
    @blp.response(200, PrescriptionSchema(many=True))
    @blp.paginate()
    @blp.doc(operationId="listMyPrescriptions")
    def get(self, pagination_parameters):
        """What your therapists have prescribed you, newest first (ended ones too)"""
        rows = care.prescriptions_of_client(db.session, current_user())
        return page_of_list(rows, pagination_parameters)


@blp.route("/me/plan")
class MyPlan(MethodView):
    @auth_required(Role.CLIENT)
    @blp.arguments(PlanQuerySchema, location="query")
    @blp.response(200, PlanSchema)
    @blp.doc(operationId="getPlan")
    def get(self, args):
        """What is due on a day (default: your today) and whether it is done

        A practice does an item when it is of the prescribed exercise, falls on that day (your
        day, in your time zone), started no earlier than the moment the prescription was
        written, and, when a length is prescribed, lasted at least 80 % of it (4 of 5
        minutes; the 3-minute variant does not do a 5-minute prescription). Any length counts
        when none is prescribed. The whole rule is in the description of the therapist's
        adherence operation."""
        me = current_user()
        day: date = args.get("date") or today_for(me, now)
        return adherence.plan_for_day(db.session, me, day)


@blp.route("/me/access-log")
class MyAccessLog(MethodView):
    @auth_required(Role.CLIENT)
    @blp.response(200, AccessLogEntrySchema(many=True))
    @blp.paginate()
    @blp.doc(operationId="listAccessLog")
    def get(self, pagination_parameters):
        """Every time a therapist looked at your data: who, what and when (newest first)"""
        return page_of(care.access_log(db.session, current_user()), pagination_parameters)
