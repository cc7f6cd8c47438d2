#!/usr/bin/env python3
"""Derives core/data/forecast-data.json, the forecasts' and the simulation's data set, from demandlib 0.2.2.

    pip download --no-deps demandlib==0.2.2 -d /tmp/demandlib
    python3 core/data/generate.py /tmp/demandlib/demandlib-0.2.2-py3-none-any.whl core/data/forecast-data.json

Standard library only. It reads two files from the wheel (a zip):
  demandlib/bdew/bdew_data/h25.csv                      BDEW H25 household load profile
  demandlib/vdi/resources_weather/TRY2010_04_Jahr.dat   DWD test reference year 2010, region 04 (Potsdam)
and writes
  h25:     integer mWh per quarter hour for an annual consumption of 1 MWh, per month and day type
           (WT working day, SA Saturday, FT Sunday/holiday), 96 quarter hours of local time each, and the
           coefficients of H25's dynamisation polynomial over the day of the year (demandlib's _profiles25.py);
  weather: one value per UTC hour of a 365-day year (index 0 = 1 January 00:00-01:00 UTC): direct (beam) and
           diffuse horizontal irradiance in W/m2, air temperature in 0.1 degC, wind speed in 0.1 m/s.
The TRY's hours are "hour ending" in CET (UTC+1): hour HH covers [HH-2, HH-1) UTC; the first hour of the year
(31 December 23:00 UTC) wraps to the end. See core/data/README.md for sources and licences.
"""
import csv
import io
import json
import sys
import zipfile

H25 = 'demandlib/bdew/bdew_data/h25.csv'
TRY = 'demandlib/vdi/resources_weather/TRY2010_04_Jahr.dat'
DAY_TYPES = ['WT', 'SA', 'FT']
HOURS = 8760


def read_h25(text):
    rows = list(csv.reader(io.StringIO(text)))
    months, kinds = rows[0][1:], rows[1][1:]
    data = rows[2:]
    assert len(data) == 96, len(data)
    columns = {}
    for c, (month, kind) in enumerate(zip(months, kinds)):
        # kWh per quarter hour at 1 GWh/a is Wh per quarter hour at 1 MWh/a; x1000: integer mWh.
        columns.setdefault(month, {})[kind] = [round(float(r[c + 1]) * 1000) for r in data]
    order = list(dict.fromkeys(months))
    assert len(order) == 12
    return [[columns[m][k] for k in DAY_TYPES] for m in order]


def read_try(text):
    lines = text.splitlines()
    rows = [line.split() for line in lines[lines.index('***') + 1:] if line.strip()]
    assert len(rows) == HOURS, len(rows)
    month_days = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    first_day = [sum(month_days[:m]) for m in range(12)]
    out = {key: [0] * HOURS for key in ('beamH', 'diffuseH', 'tempDeciC', 'windDeciMs')}
    for r in rows:
        mm, dd, hh = int(r[2]), int(r[3]), int(r[4])
        at = ((first_day[mm - 1] + dd - 1) * 24 + hh - 2) % HOURS
        out['windDeciMs'][at] = round(float(r[7]) * 10)
        out['tempDeciC'][at] = round(float(r[8]) * 10)
        out['beamH'][at] = int(r[13])
        out['diffuseH'][at] = int(r[14])
    return out


def main():
    wheel = zipfile.ZipFile(sys.argv[1])
    weather = read_try(wheel.read(TRY).decode('latin-1'))
    out = {
        'about': 'Derived by core/data/generate.py from demandlib 0.2.2 (MIT); sources and licences in core/data/README.md',
        'h25': {
            'unit': 'mWh per quarter hour of local German time for an annual consumption of 1 MWh, before dynamisation',
            'dayTypes': DAY_TYPES,
            'dynamisation': [-3.92e-10, 3.2e-7, -7.02e-5, 0.0021, 1.24],
            'values': read_h25(wheel.read(H25).decode('utf-8')),
        },
        'weather': {
            'site': 'Potsdam, DWD TRY2010 region 04 (mean year, 1988-2007)',
            'latitude': 52.383,
            'longitude': 13.067,
            'altitudeM': 81,
            'unit': 'one value per UTC hour of a 365-day year, index 0 = 1 January 00:00-01:00 UTC',
            **weather,
        },
    }
    text = json.dumps(out, separators=(',', ':')) + '\n'
    if len(sys.argv) < 3:
        sys.stdout.write(text)
    else:
        with open(sys.argv[2], 'w') as f:
            f.write(text)


if __name__ == '__main__':
    main()
