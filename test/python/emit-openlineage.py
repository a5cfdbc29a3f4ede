# Emits one run (START, then COMPLETE) with the official OpenLineage Python client, over its HTTP
# transport with api_key auth and gzip, as an Airflow or Spark integration would.
# Usage: PYTHONPATH=CLIENT_SRC python3 emit-openlineage.py URL API_KEY
# Prints the runId and the parent's runId, one per line.
import datetime
import sys

from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import parent_run, schema_dataset, sql_job
from openlineage.client.transport.http import HttpConfig, HttpTransport
from openlineage.client.uuid import generate_new_uuid

url, key = sys.argv[1], sys.argv[2]
config = HttpConfig.from_dict({"type": "http", "url": url, "auth": {"type": "api_key", "apiKey": key}, "compression": "gzip"})
client = OpenLineageClient(transport=HttpTransport(config))
producer = "https://github.com/lineage-ledger/tests/emit-openlineage"

parent_id, run_id = str(generate_new_uuid()), str(generate_new_uuid())
job = Job(namespace="py-tests", name="orders.load", facets={"sql": sql_job.SQLJobFacet(query="INSERT INTO orders SELECT * FROM raw_orders")})
schema = schema_dataset.SchemaDatasetFacet(fields=[schema_dataset.SchemaDatasetFacetFields(name="id", type="int")])
inputs = [InputDataset(namespace="postgres://db:5432", name="public.raw_orders", facets={"schema": schema})]
outputs = [OutputDataset(namespace="postgres://db:5432", name="public.orders")]
facets = {"parent": parent_run.ParentRunFacet(run=parent_run.Run(runId=parent_id), job=parent_run.Job(namespace="py-tests", name="orders"))}

start = datetime.datetime.now(datetime.timezone.utc)
client.emit(RunEvent(eventType=RunState.START, eventTime=start.isoformat(), run=Run(runId=run_id, facets=facets), job=job, producer=producer, inputs=inputs, outputs=[]))
end = start + datetime.timedelta(seconds=2)
client.emit(RunEvent(eventType=RunState.COMPLETE, eventTime=end.isoformat(), run=Run(runId=run_id, facets=facets), job=job, producer=producer, inputs=inputs, outputs=outputs))
print(run_id)
print(parent_id)
