# Helpers shared by the scripts under bench/ (sourced, not run).

# A free TCP port on the loopback interface.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# User CPU time a process has used so far, in clock ticks (utime, field 14 of /proc/PID/stat;
# the command name before it is in parentheses and may hold spaces).
cpu_ticks() {
    local stat
    stat=$(<"/proc/$1/stat")
    stat=${stat##*) }
    awk '{ print $12 }' <<<"$stat"
}

# Reads wrk's --latency output in FILE and prints "requests_per_second p99_ms
# server_user_cpu_us_per_request", given the server's user CPU nanoseconds during the run;
# fails if any answer was not 2xx.
# Usage: wrk_summary CPU_NS FILE
wrk_summary() {
    awk -v cpu_ns="$1" '
        /Requests\/sec/ { rps = $2 }
        /^ +[0-9]+ requests in/ { requests = $1 }
        /^ +99%/ { v = $2; if (v ~ /us$/) { sub(/us/, "", v); v = v / 1000 }
                   else if (v ~ /ms$/) { sub(/ms/, "", v) }
                   else if (v ~ /s$/) { sub(/s/, "", v); v = v * 1000 }
                   p99 = v }
        / Non-2xx/ { bad = $NF }
        END { if (bad > 0) { print "non-2xx responses: " bad > "/dev/stderr"; exit 1 }
              printf "%s %s %.3f\n", rps, p99, cpu_ns / requests / 1000 }' "$2"
}
