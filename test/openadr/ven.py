"""
Runs the third-party OpenADR 3 VEN client oadr30-ven-ud (install-ven.sh) against a VTN, as a VEN
would: it gets a token, registers its VEN with one resource, reads the programs and the events of
one program, and posts a report on its resource for one event. Prints what it saw as JSON on stdout.
The client writes ven.json into the working directory: run this in a directory of its own.

    python ven.py <base-url> <client-id> <client-secret> <ven-name> <resource-name> <program-id> <event-id>
"""
import json
import sys

from oadr30.vtn import VTNOps

base_url, client_id, client_secret, ven_name, resource_name, program_id, event_id = sys.argv[1:8]
vtn = VTNOps(base_url, client_id, client_secret)
ven = vtn.create_ven(ven_name, resources=[{"resourceName": resource_name}])
if not ven:
    sys.exit("the VEN could not register")
programs = vtn.get_programs() or []
events = vtn.get_events(program_id) or []
event = next((e for e in events if e.getId() == event_id), None)
if event is not None:
    descriptors = event.getReportPayloadDescriptors() or [{"payloadType": "USAGE"}]
    vtn.send_report(event.getId(), event.getProgramId(), ven, descriptors[0])
print(
    json.dumps(
        {
            "venId": ven["id"],
            "resources": [r["resourceName"] for r in ven.getResources()],
            "tokenScope": (vtn.token or {}).get("scope"),
            "programIds": [p.getId() for p in programs],
            "events": [
                {
                    "id": e.getId(),
                    "programID": e.getProgramId(),
                    "targets": e.get("targets"),
                    "intervals": [
                        {"intervalPeriod": i.get("intervalPeriod"), "payloads": i.get("payloads")}
                        for i in (e.getIntervals() or [])
                    ],
                }
                for e in events
            ],
            "reported": event is not None,
        }
    )
)
