"""Do Chroma writes to two collections run in parallel from two threads, and does Python run
during an upsert?  .venv/bin/python bench/study/chroma_threads.py"""
import functools
import threading
import time

from chroma_synth import batches, chunk_meta, fresh, paper_meta, write

N = 3000
data = batches(N, 256, paper=functools.partial(paper_meta, full=False),
               chunk=functools.partial(chunk_meta, full=False))

papers, chunks = fresh("seq")
start = time.perf_counter()
write(papers, chunks, data)
print("sequential", round(N / (time.perf_counter() - start)), "papers/s")

papers, chunks = fresh("par")
writers = [threading.Thread(target=write, args=(papers, chunks, data), kwargs={"which": (c,)})
           for c in ("papers", "chunks")]
start = time.perf_counter()
for w in writers:
    w.start()
for w in writers:
    w.join()
print("two threads", round(N / (time.perf_counter() - start)), "papers/s")


def spins(during):
    """How far a pure-Python counter gets while `during()` runs."""
    count, stop = [0], threading.Event()

    def spin():
        while not stop.is_set():
            count[0] += 1

    spinner = threading.Thread(target=spin)
    spinner.start()
    during()
    stop.set()
    spinner.join()
    return count[0]


papers, chunks = fresh("gil")
start = time.perf_counter()
busy = spins(lambda: write(papers, chunks, data[:4]))
idle = spins(lambda: time.sleep(time.perf_counter() - start))
print("python spins during upserts vs idle same time:", busy, idle)
