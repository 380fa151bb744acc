"""A short script an AORIF member could write with the client that openapi-python-client generates
from Vigie's contract, run by `make test` against a live server: create an incident, page through
incidents, read a problem. Usage: python_smoke.py GENERATED_DIR BASE_URL LOGIN PASSWORD"""

import datetime
import sys

import httpx

sys.path.insert(0, sys.argv[1])
base, login, password = sys.argv[2:5]

from vigie_api_client import AuthenticatedClient  # noqa: E402
from vigie_api_client.api.incidents import create_incident, get_incident, list_incidents  # noqa: E402
from vigie_api_client.api.residences import list_residences  # noqa: E402
from vigie_api_client.models import Category, CreateIncident, Incident, PageIncident, Problem  # noqa: E402
from vigie_api_client.models import VictimBailleur  # noqa: E402

token = httpx.post(
    f"{base}/api/v1/auth/token",
    data={"grant_type": "password", "username": login, "password": password},
).json()["access_token"]
client = AuthenticatedClient(base_url=base, token=token)

residences = list_residences.sync(client=client)
assert residences is not None and residences.items, residences
residence_id = residences.items[0].id

for _ in range(3):
    created = create_incident.sync(
        client=client,
        body=CreateIncident(
            residence_id=residence_id,
            occurred_at=datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1),
            category=Category.DUMPING,
            narrative="Dépôt sauvage devant l'entrée (client Python généré).",
            victims=[VictimBailleur.from_dict({"kind": "bailleur"})],
        ),
    )
    assert isinstance(created, Incident), created
    assert created.category == Category.DUMPING

seen, cursor, pages = [], None, 0
while True:
    page = list_incidents.sync(client=client, limit=2, **({"cursor": cursor} if cursor else {}))
    assert isinstance(page, PageIncident), page
    seen += [i.id for i in page.items]
    pages += 1
    cursor = page.next_cursor if isinstance(page.next_cursor, str) else None
    if not cursor:
        break
assert created.id in seen and len(seen) == len(set(seen)), seen
assert pages >= 2, pages

problem = get_incident.sync(client=client, id="no-such-incident")
assert isinstance(problem, Problem), problem
assert problem.code == "not_found" and problem.status == 404, problem

print(f"python client: created {created.id}, read {len(seen)} incidents over {pages} pages, problem {problem.code}")
