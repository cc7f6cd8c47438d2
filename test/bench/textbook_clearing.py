"""The textbook uniform-price clearing: sort bids down and asks up by price, walk both while the bid
reaches the ask, price halfway between the last pair. No validation, digest, tie rule, pro rata or
fills: the baseline that clearing.textbookRatio* compares clearAuction with (test/bench/textbook.js).

python3 textbook_clearing.py BOOKS.json RUNS prints {"<n>": {"ms": [...], "cpuMs": [...], "volumeWh": v}, ...}; BOOKS.json
is a list of books, each a list of orders as clearAuction takes them. Each clearing is timed alone, by the clock and by
the CPU time of the thread."""
import json
import sys
import time


def clear(orders):
    bids = sorted((o for o in orders if o["side"] == "buy"), key=lambda o: -o["priceMicrosPerKwh"])
    asks = sorted((o for o in orders if o["side"] == "sell"), key=lambda o: o["priceMicrosPerKwh"])
    volume, b, a, last = 0, 0, 0, None
    bid_left = bids[0]["energyWh"] if bids else 0
    ask_left = asks[0]["energyWh"] if asks else 0
    while b < len(bids) and a < len(asks) and bids[b]["priceMicrosPerKwh"] >= asks[a]["priceMicrosPerKwh"]:
        q = min(bid_left, ask_left)
        volume += q
        bid_left -= q
        ask_left -= q
        last = (bids[b]["priceMicrosPerKwh"], asks[a]["priceMicrosPerKwh"])
        if bid_left == 0:
            b += 1
            bid_left = bids[b]["energyWh"] if b < len(bids) else 0
        if ask_left == 0:
            a += 1
            ask_left = asks[a]["energyWh"] if a < len(asks) else 0
    price = None if last is None else (last[0] + last[1]) // 2
    return volume, price


def main():
    with open(sys.argv[1]) as f:
        books = json.load(f)
    runs = int(sys.argv[2])
    out = {}
    for orders in books:
        clear(orders)  # warm-up
        times, cpu_times = [], []
        for _ in range(runs):
            start, cpu_start = time.perf_counter(), time.thread_time()
            volume, _price = clear(orders)
            cpu_times.append((time.thread_time() - cpu_start) * 1000)
            times.append((time.perf_counter() - start) * 1000)
        out[str(len(orders))] = {"ms": times, "cpuMs": cpu_times, "volumeWh": volume}
    print(json.dumps(out))


main()
