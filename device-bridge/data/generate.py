#!/usr/bin/env python3
"""Derives device-bridge/data/profiles.json, the simulator's data set, from demandlib 0.2.2.

    pip download --no-deps demandlib==0.2.2 -d /tmp/demandlib
    python3 device-bridge/data/generate.py /tmp/demandlib/demandlib-0.2.2-py3-none-any.whl

Standard library only. It reads two files from the wheel (a zip):
  demandlib/bdew/bdew_data/h25.csv                      BDEW H25 household load profile
  demandlib/vdi/resources_weather/TRY2010_04_Jahr.dat   DWD test reference year, region 04 (Potsdam)
and writes
  load: H25 as integer mWh per quarter hour for an annual consumption of 1 MWh, per month and
        day type (WT working day, SA Saturday, FT Sunday/holiday), 96 quarter hours each, plus the
        coefficients of H25's dynamisation polynomial over the day of the year;
  pv:   8760 hourly yields in Wh per kWp, one per UTC hour of a 365-day year, of a south-facing
        35 degree tilted array in Potsdam under the TRY's irradiance and temperature (model below).
See data/README.md for sources and licences.
"""
import json
import math
import os
import sys
import zipfile

# H25 is read as the forecasts' data set reads it (core/data/generate.py).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'core', 'data'))
from generate import DAY_TYPES, read_h25  # noqa: E402

H25 = 'demandlib/bdew/bdew_data/h25.csv'
TRY = 'demandlib/vdi/resources_weather/TRY2010_04_Jahr.dat'

LAT, LON = 52.38, 13.07          # Potsdam, from the TRY header (52 deg 23' N, 13 deg 04' E)
TILT, AZIMUTH = 35.0, 0.0        # array tilt; azimuth 0 = due south
ALBEDO = 0.2
NOCT = 45.0                      # nominal operating cell temperature, deg C
GAMMA = -0.004                   # power temperature coefficient, 1/K
SYSTEM_LOSSES = 0.14             # wiring, inverter, soiling, mismatch


def rad(deg):
    return deg * math.pi / 180.0


def solar(day_of_year, utc_hour):
    """Cosine of the zenith angle and of the angle of incidence on the array (Spencer 1971; Duffie & Beckman eq. 1.6.2)."""
    g = 2 * math.pi / 365 * (day_of_year - 1 + (utc_hour - 12) / 24)
    decl = (0.006918 - 0.399912 * math.cos(g) + 0.070257 * math.sin(g) - 0.006758 * math.cos(2 * g)
            + 0.000907 * math.sin(2 * g) - 0.002697 * math.cos(3 * g) + 0.00148 * math.sin(3 * g))
    eqtime = 229.18 * (0.000075 + 0.001868 * math.cos(g) - 0.032077 * math.sin(g)
                       - 0.014615 * math.cos(2 * g) - 0.040849 * math.sin(2 * g))
    solar_minutes = utc_hour * 60 + eqtime + 4 * LON
    w = rad(solar_minutes / 4 - 180)
    phi, beta, gam = rad(LAT), rad(TILT), rad(AZIMUTH)
    cos_z = math.sin(phi) * math.sin(decl) + math.cos(phi) * math.cos(decl) * math.cos(w)
    cos_t = (math.sin(decl) * math.sin(phi) * math.cos(beta)
             - math.sin(decl) * math.cos(phi) * math.sin(beta) * math.cos(gam)
             + math.cos(decl) * math.cos(phi) * math.cos(beta) * math.cos(w)
             + math.cos(decl) * math.sin(phi) * math.sin(beta) * math.cos(gam) * math.cos(w)
             + math.cos(decl) * math.sin(beta) * math.sin(gam) * math.sin(w))
    return cos_z, cos_t


def pv_yield(day_of_year, utc_mid_hour, beam_h, diffuse_h, temp_c):
    """Wh in one hour per kWp: isotropic-sky transposition (Liu & Jordan), NOCT cell temperature, flat losses."""
    if beam_h + diffuse_h <= 0:
        return 0
    cos_z, cos_t = solar(day_of_year, utc_mid_hour)
    rb = max(cos_t, 0.0) / cos_z if cos_z > 0.05 else 0.0
    rb = min(rb, 4.0)  # hourly mid-point geometry overstates beam near sunrise and sunset
    beta = rad(TILT)
    poa = beam_h * rb + diffuse_h * (1 + math.cos(beta)) / 2 + (beam_h + diffuse_h) * ALBEDO * (1 - math.cos(beta)) / 2
    cell = temp_c + poa / 800.0 * (NOCT - 20.0)
    power = poa / 1000.0 * (1 + GAMMA * (cell - 25.0)) * (1 - SYSTEM_LOSSES)  # kW per kWp
    return max(0, min(1000, round(power * 1000)))


def read_try(text):
    lines = text.splitlines()
    start = lines.index('***') + 1
    rows = [l.split() for l in lines[start:] if l.strip()]
    assert len(rows) == 8760, len(rows)
    month_days = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    first_day = [sum(month_days[:m]) for m in range(12)]
    pv = [0] * 8760
    for r in rows:
        mm, dd, hh = int(r[2]), int(r[3]), int(r[4])
        temp, beam, diffuse = float(r[8]), float(r[13]), float(r[14])
        # HH is the hour ending at HH:00 MEZ (UTC+1): it covers [HH-2, HH-1) UTC of that day.
        day_index = first_day[mm - 1] + dd - 1
        utc_start = day_index * 24 + hh - 2
        mid = hh - 1.5
        doy = day_index + 1
        pv[utc_start % 8760] = pv_yield(doy, mid, beam, diffuse, temp)
    return pv


def main():
    wheel = zipfile.ZipFile(sys.argv[1])
    load = read_h25(wheel.read(H25).decode('utf-8'))
    pv = read_try(wheel.read(TRY).decode('latin-1'))
    out = {
        'about': 'Derived by device-bridge/data/generate.py from demandlib 0.2.2 (MIT); see data/README.md',
        'load': {
            'profile': 'BDEW H25',
            'unit': 'mWh per quarter hour for an annual consumption of 1 MWh (before dynamisation)',
            'dayTypes': DAY_TYPES,
            'dynamisation': [-3.92e-10, 3.2e-7, -7.02e-5, 0.0021, 1.24],
            'values': load,
        },
        'pv': {
            'site': 'Potsdam (DWD TRY2010 region 04, 52.38 N 13.07 E)',
            'array': {'tiltDeg': TILT, 'azimuth': 'south', 'albedo': ALBEDO, 'noctC': NOCT,
                      'tempCoeffPerK': GAMMA, 'systemLosses': SYSTEM_LOSSES},
            'unit': 'Wh per kWp in each UTC hour of a 365-day year, index 0 = 1 January 00:00-01:00 UTC',
            'annualKwhPerKwp': round(sum(pv) / 1000, 1),
            'hourly': pv,
        },
    }
    text = json.dumps(out, separators=(',', ':'))
    sys.stdout.write(text + '\n') if len(sys.argv) < 3 else open(sys.argv[2], 'w').write(text + '\n')


if __name__ == '__main__':
    main()
