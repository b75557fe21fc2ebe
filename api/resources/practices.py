"""The signed-in client's practice log and progress."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint, abort

from api import metrics
from api.extensions import db
from api.models import Role
from api.resources.deps import now
from api.schemas.practices import (
    PracticeBodySchema,
    PracticeListQuerySchema,
    PracticePageSchema,
    PracticeSchema,
    StatsSchema,
    SyncRequestSchema,
    SyncResponseSchema,
    load_sync_item,
    practice_input,
)
from api.security import auth_required, current_user, documents
from api.services import practice_pages, practices, stats
from api.transactions import writes

blp = Blueprint(
    "practices",
    __name__,
    url_prefix="/api/v1/me",
    description="Your practice log and progress. Practice ids are UUIDs made on the device; "
    "a path id that is not a UUID answers 404.",
)


@blp.route("/practices/<uuid:practice_id>")
class PracticeById(MethodView):
    @writes
    @auth_required(Role.CLIENT)
    @blp.arguments(PracticeBodySchema)
    @blp.response(201, PracticeSchema)
    @blp.alt_response(200, schema=PracticeSchema, description="an identical replay")
    @documents(404, 410, 415)
    @blp.doc(operationId="recordPractice")
    def put(self, data, practice_id):
        """Record a practice, exactly once

        201 the first time; 200 with the same body for an identical replay; 422 when the id
        was used with a different body; 410 when you deleted that practice (it is not
        recorded again, so drop it from the device's queue)."""
        if data.get("id", practice_id) != practice_id:
            abort(422, message="The body's id differs from the id in the path.")
        item = practice_input(data, practice_id)
        practice, created = practices.record_practice(
            db.session, current_user(), item, clock=now, observe=metrics.count_practice_outcomes
        )
        return practice, 201 if created else 200

    @auth_required(Role.CLIENT)
    @blp.response(200, PracticeSchema)
    @documents(404)
    @blp.doc(operationId="getPractice")
    def get(self, practice_id):
        """One of your practices"""
        return practices.find_practice(db.session, current_user().id, practice_id)

    @writes
    @auth_required(Role.CLIENT)
    @blp.response(204)
    @documents(404)
    @blp.doc(operationId="deletePractice")
    def delete(self, practice_id):
        """Delete a practice

        Its mood and note are erased. The id stays spent: replaying it answers 410 (PUT) or
        duplicate (sync). Deleting it again answers 204."""
        practices.delete_practice(db.session, current_user().id, practice_id, clock=now)


@blp.route("/practices/sync")
class Sync(MethodView):
    @writes
    @auth_required(Role.CLIENT)
    @blp.arguments(SyncRequestSchema)
    @blp.response(200, SyncResponseSchema)
    @documents(413, 415)
    @blp.doc(operationId="syncPractices")
    def post(self, data):
        """Record a queue of practices; each item is answered on its own, in order

        Statuses: created, duplicate (already recorded, or deleted by you), conflict (the id
        was used with a different body), invalid (with errors by field)."""
        items = [load_sync_item(raw) for raw in data["practices"]]
        metrics.count_sync_batch(len(items))
        outcomes = practices.record_practices(
            db.session, current_user(), items, clock=now, observe=metrics.count_practice_outcomes
        )
        return {"results": outcomes}


@blp.route("/practices")
class Practices(MethodView):
    @auth_required(Role.CLIENT)
    @blp.arguments(PracticeListQuerySchema, location="query")
    @blp.response(200, PracticePageSchema)
    @blp.doc(operationId="listPractices")
    def get(self, args):
        """Your practices, newest first, a page at a time

        `from` and `to` are your days (YYYY-MM-DD, counted from day_starts_at in your time
        zone, as in the stats). Follow `next_cursor` with `?cursor=`; pages stay correct
        while new practices arrive. A cursor we did not give out answers 422."""
        page = practice_pages.list_practices(
            db.session,
            current_user().id,
            limit=args["limit"],
            cursor=args.get("cursor"),
            exercise=args.get("exercise"),
            first_day=args.get("from_"),
            last_day=args.get("to"),
        )
        return page


@blp.route("/stats")
class Stats(MethodView):
    @auth_required(Role.CLIENT)
    @blp.response(200, StatsSchema)
    @blp.doc(operationId="getStats")
    def get(self):
        """Your progress: streaks, minutes, sessions, mood change, practices by kind

        A practice counts for your day from day_starts_at in your time zone (00:30 with the
        default 03:00 counts for the day before); each practice keeps the day it was given
        when it arrived, so moving time zone never rewrites past streaks. Every recorded
        practice counts, completed or not; minutes are the summed seconds rounded to the
        nearest minute; the 7 and 30 days end today. The current streak holds while
        yesterday was practised and today is not yet. Mood averages use the practices with
        both moods (n), rounded to 2 decimals; null when n is 0. `by_exercise` gives the
        same mood change per exercise, largest first."""
        return stats.compute_stats(db.session, current_user(), clock=now)
