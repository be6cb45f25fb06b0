# Runs a command and prints, as JSON, its wall time, exit code, output and peak resident set
# size (the largest of it and the processes it waited for), so both sides of a bench are
# measured the same way. argv: the command
import json, resource, subprocess, sys, time

t0 = time.perf_counter()
r = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
wall = time.perf_counter() - t0
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({
    "exit": r.returncode,
    "wall_s": wall,
    "max_rss_mb": ru.ru_maxrss / 1024,
    "stdout": r.stdout.decode(errors="replace"),
    "stderr": r.stderr.decode(errors="replace")[-4000:],
}))
