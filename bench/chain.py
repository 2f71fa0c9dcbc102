"""Throughput of the chain's boards at national scale, against a trivial view on the same server.

    .venv/bin/python bench/chain.py [--scale 100] [--database-url URL] [--requests 200]

The same run as bench/cases.py (whose functions it uses): a fresh database
seeded with `seed_demo --scale N` — at scale 100 about 100,000 cases, of which
the 4,500 in Oslo (adult relay) and Bergen (children, TOT model) are on a chain
with their steps, deadlines and referrals — gunicorn with two workers and
production settings on loopback, sessions written straight into the database,
and each page requested a fixed number of times over one keep-alive connection.
It measures:

- the deadlines board `/chain/deadlines/` of a NAV Oslo coordinator, for the
  organisation (every open deadline of NAV Oslo on cases it may see) and for
  her own (`?mine=on`);
- the coordinators' overview `/chain/overview/` of the Oslo TOT coordinator
  (Oslo, the largest municipality) and of the Bergen TOT coordinator;

and prints requests per second and the ratio to `/healthz`. Before the server
starts, it renders the board for two organisations and the overview for two
municipalities of different size through Django's test client in this process,
and prints the number of SQL queries each took: the same for both sizes.
"""

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

# Run as a script, Python puts bench/ first on the path, where this file would shadow the `chain` app.
sys.path[:1] = [str(Path(__file__).resolve().parent.parent)]

from bench.cases import (  # noqa: E402 - after the path is fixed
    HOST,
    Page,
    django_in_this_process,
    free_port,
    gunicorn,
    main,
    measure,
    migrate_and_seed,
    release_the_database,
    report,
    session_for,
)

NAV = ("oslo.nav.koordinator@demo.vern.invalid", "NAV Oslo")
CHILD_WELFARE_BERGEN = ("bergen.barnevern.admin@demo.vern.invalid", "Barneverntjenesten i Bergen")
OSLO_COORDINATOR = ("oslo.tot.koordinator@demo.vern.invalid", "TOT-koordinator Oslo")
BERGEN_COORDINATOR = ("bergen.tot.koordinator@demo.vern.invalid", "TOT-koordinator Bergen")
BOARD, OVERVIEW = "/chain/deadlines/", "/chain/overview/"


@dataclass(frozen=True)
class QueryCount:
    page: str
    shown: str
    queries: int


def counts() -> dict[str, int]:
    from cases.models import Case, CaseEvent
    from chain.models import CaseChain, CaseStep, Deadline
    from referrals.models import Referral

    return {
        "cases": Case.objects.count(),
        "on a chain": CaseChain.objects.count(),
        "case steps": CaseStep.objects.count(),
        "steps in progress": CaseStep.objects.filter(status=CaseStep.Status.ACTIVE).count(),
        "open deadlines": Deadline.objects.filter(done_at=None).count(),
        "referrals and hand-overs": Referral.objects.count(),
        "timeline events": CaseEvent.objects.count(),
    }


def queries_per_page(cookies: dict[tuple[str, str], str]) -> list[QueryCount]:
    """Each page once through Django's test client in this process, counting its SQL queries.

    The rows a page shows are counted with the same services the views call, outside the count.
    """
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from chain.overview import overview
    from chain.services import board
    from organisations.models import Membership

    def count(login: tuple[str, str], path: str) -> int:
        client = Client(HTTP_HOST=HOST)
        name, value = cookies[login].split("=", 1)
        client.cookies[name] = value
        client.get(path)  # the first request of a session sets up what every later one reuses
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code} in the test client")
        return len(queries)

    def member(login: tuple[str, str]) -> Membership:
        email, organisation = login
        membership = Membership.objects.select_related("organisation__municipality")
        return membership.get(user__email=email, organisation__name=organisation)

    rows = []
    for login in (NAV, CHILD_WELFARE_BERGEN):
        deadlines = board(membership=member(login), mine=False)
        listed = sum(
            len(bucket) for bucket in (deadlines.overdue, deadlines.today, deadlines.this_week, deadlines.later)
        )
        rows.append(QueryCount(f"deadlines board, {login[1]}", f"{listed:,} deadlines", count(login, BOARD)))
    for login in (OSLO_COORDINATOR, BERGEN_COORDINATOR):
        membership = member(login)
        municipality = membership.organisation.municipality
        if municipality is None:
            raise RuntimeError(f"{login[1]} belongs to no municipality")
        board_of = overview(membership=membership, municipality=municipality)
        in_steps = sum(row.cases_now for row in board_of.steps)
        shown = f"{board_of.open_cases:,} open cases, {in_steps:,} in a step"
        rows.append(QueryCount(f"coordinators' overview, {municipality.name}", shown, count(login, OVERVIEW)))
    return rows


def print_query_counts(rows: list[QueryCount]) -> None:
    width, shown = max(len(row.page) for row in rows), max(len(row.shown) for row in rows)
    print(f"\n{'page (Django test client)':<{width}}  {'shows':<{shown}}  {'SQL queries':>11}")
    for row in rows:
        print(f"{row.page:<{width}}  {row.shown:<{shown}}  {row.queries:>11}")


def run(args: argparse.Namespace, env: dict[str, str], workdir: Path) -> None:
    migrate_and_seed(args, env)
    django_in_this_process(env)
    print("in the database: " + ", ".join(f"{count:,} {what}" for what, count in counts().items()))
    logins = (NAV, CHILD_WELFARE_BERGEN, OSLO_COORDINATOR, BERGEN_COORDINATOR)
    cookies = {login: session_for(*login) for login in logins}
    query_counts = queries_per_page(cookies)
    release_the_database()
    pages = [
        Page("/healthz (trivial view)", "/healthz", ""),
        Page("/healthz, logged in", "/healthz", cookies[NAV]),
        Page("deadlines board, NAV Oslo", BOARD, cookies[NAV]),
        Page("deadlines board, her own (?mine=on)", f"{BOARD}?mine=on", cookies[NAV]),
        Page("overview, Oslo (TOT coordinator)", OVERVIEW, cookies[OSLO_COORDINATOR]),
        Page("overview, Bergen (TOT coordinator)", OVERVIEW, cookies[BERGEN_COORDINATOR]),
    ]
    port = free_port()
    with gunicorn(env, port, workdir / "gunicorn.log"):
        print(f"gunicorn on {HOST}:{port}; {args.warm_up} warm-up + {args.requests} timed requests per page …")
        results = [measure(port, page, requests=args.requests, warm_up=args.warm_up) for page in pages]
    report(results, baseline=results[0])
    print_query_counts(query_counts)


if __name__ == "__main__":
    main(run, __doc__ or "")
