#!/usr/bin/env bash
# Seeds the fuzz corpora from the project's own examples and fixtures. The first
# byte of a read/import input picks the format or source (see fuzz_targets/).
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus/read corpus/import corpus/rules corpus/date
{ printf '\x00'; head -5 ../examples/incidents.jsonl; } > corpus/read/seed-jsonl
{ printf '\x01'; cat ../tests/data/vastaamo.json; } > corpus/read/seed-json
{ printf '\x02'; printf 'id,company,type,date,data_types\n1,c,breach,2020-01,PHI;ssn\n'; } > corpus/read/seed-csv
{ printf '\x00'; cat ../tests/data/import/veris/hospital-medical-records.json; } > corpus/import/veris
{ printf '\x01'; cat ../tests/data/import/hhs-current.csv; } > corpus/import/hhs
{ printf '\x02'; cat ../tests/data/import/hibp.json; } > corpus/import/hibp
{ printf '\x03'; cat ../tests/data/import/wikipedia.csv; } > corpus/import/wikipedia
{ printf '\x04'; cat ../tests/data/import/rankiteo-incident.json; } > corpus/import/rankiteo
{ printf '\x05'; printf 'id,org,when,kind,n\n1,Acme Inc.,05.02.2015,H,over 5000\n'; } > corpus/import/csv
cp ../scoring-rules/short-memory.toml corpus/rules/short-memory.toml
printf '2020-10-05' > corpus/date/day; printf '10/2020' > corpus/date/month; printf '2020' > corpus/date/year
