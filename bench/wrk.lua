-- wrk script of bench/load.sh. The environment chooses what to request:
--   BENCH_MODE   healthz | person | search | page
--   BENCH_TOKEN  bearer token (person, search)
--   BENCH_COOKIE a web session's Cookie header (page: the person page, HTML)
--   BENCH_IDS    file of person ids, one a line (person, page)
-- Each thread walks its list round-robin from its own starting point.
-- done() prints one machine-readable line starting with "BENCH ".

local mode = os.getenv("BENCH_MODE") or "healthz"
local token = os.getenv("BENCH_TOKEN")

-- Surname and first-name prefixes of the synthetic data (at most five
-- letters, as the search's prefix index covers); ä percent-encoded.
local queries = {
    "Virta", "Korho", "M%C3%A4kin", "Niemi", "Laine", "Heikk", "Koski",
    "J%C3%A4rvi", "Lehto", "Salon", "Turun", "Matti", "Anne",
}

local threads = {}
local paths = {}
local headers = {}
local counter = 0

function setup(thread)
    thread:set("thread_index", #threads)
    table.insert(threads, thread)
end

function init(args)
    if mode == "person" or mode == "page" then
        local prefix = mode == "person" and "/api/v1/people/" or "/people/"
        local file = assert(os.getenv("BENCH_IDS"), "BENCH_IDS is not set")
        local f = assert(io.open(file, "r"))
        for line in f:lines() do
            if #line > 0 then
                paths[#paths + 1] = prefix .. line
            end
        end
        f:close()
    elseif mode == "search" then
        for _, q in ipairs(queries) do
            paths[#paths + 1] = "/api/v1/search?q=" .. q
        end
    elseif mode == "healthz" then
        paths[1] = "/healthz"
    else
        error("unknown BENCH_MODE " .. mode)
    end
    assert(#paths > 0, "nothing to request")
    if mode == "page" then
        headers["Cookie"] = assert(os.getenv("BENCH_COOKIE"), "BENCH_COOKIE is not set")
    elseif mode ~= "healthz" then
        headers["Authorization"] = "Bearer " .. assert(token, "BENCH_TOKEN is not set")
    end
    -- Threads start at different places in the list.
    counter = ((thread_index or 0) * 7919) % #paths
end

function request()
    counter = counter % #paths + 1
    return wrk.format("GET", paths[counter], headers)
end

function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        "BENCH mode=%s requests=%d duration_us=%d rps=%.1f p50_us=%d p90_us=%d p99_us=%d max_us=%d "
            .. "non2xx=%d connect_errors=%d read_errors=%d write_errors=%d timeouts=%d\n",
        mode, summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
        latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
        e.status, e.connect, e.read, e.write, e.timeout))
end
