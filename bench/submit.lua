-- wrk script of the submission benchmarks (bench/submissions.sh, bench/all.sh): POST /api/v1/applications/, each
-- request with a token never used before and PDFs of its own (bench/lib.sh body_template writes the body).
-- args: tokens file, body template, tag encoding (raw|base64), Content-Type, wrk threads.
-- Thread k (from 0) sends the candidates k+1, k+1+threads, …: each token once; then it stops.
local threads, next_id = {}, 0
function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  threads[#threads + 1] = thread
end

local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local function b64(s) -- #s a multiple of 3
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = s:byte(i, i + 2)
    local n = a * 65536 + b * 256 + c
    for shift = 18, 0, -6 do
      local v = math.floor(n / 2 ^ shift) % 64
      out[#out + 1] = alphabet:sub(v + 1, v + 1)
    end
  end
  return table.concat(out)
end

function init(args)
  tokens = {}
  for line in io.lines(args[1]) do tokens[#tokens + 1] = line end
  local f = assert(io.open(args[2], "rb"))
  local template = f:read("*a")
  f:close()
  pieces = {}
  local from = 1
  while true do
    local s, e = template:find("@@TAG@@", from, true)
    if not s then break end
    pieces[#pieces + 1] = template:sub(from, s - 1)
    from = e + 1
  end
  pieces[#pieces + 1] = template:sub(from)
  encoding, content_type, stride = args[3], args[4], tonumber(args[5])
  nxt = id + 1
  probe = id == 0
  sent, fillers, statuses, samples = 0, 0, {}, {}
end

local function submission(i)
  local tag = string.format("%012d", i)
  if encoding == "base64" then tag = b64(tag) end
  local body = {}
  for k = 1, #pieces - 1 do
    body[#body + 1] = pieces[k]
    body[#body + 1] = tag
  end
  body[#body + 1] = pieces[#pieces]
  local headers = { ["Authorization"] = "Bearer " .. tokens[i], ["Content-Type"] = content_type }
  return wrk.format("POST", "/api/v1/applications/", headers, table.concat(body))
end

function request()
  if nxt > #tokens then
    -- Out of candidates: stop this thread; a connection already asking gets a harmless GET /health.
    fillers = fillers + 1
    wrk.thread:stop()
    return wrk.format("GET", "/health")
  end
  if probe then
    -- wrk calls request() once on its first thread to check the script, and sends nothing: keep the token.
    probe = false
    return submission(nxt)
  end
  local i = nxt
  nxt = nxt + stride
  sent = sent + 1
  return submission(i)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status ~= 200 and status ~= 201 and not samples[status] then samples[status] = body:sub(1, 300) end
end

function done(summary, latency, requests)
  local sent_total, fillers_total, answered, created, by_status, samples_all = 0, 0, 0, 0, {}, {}
  for _, thread in ipairs(threads) do
    sent_total = sent_total + thread:get("sent")
    fillers_total = fillers_total + thread:get("fillers")
    for status, n in pairs(thread:get("statuses")) do
      by_status[status] = (by_status[status] or 0) + n
    end
    for status, body in pairs(thread:get("samples")) do samples_all[status] = body end
  end
  local codes = {}
  for status, n in pairs(by_status) do
    if status ~= 200 then answered = answered + n end -- 200: the GET /health fillers only
    if status == 201 then created = n end
    if status ~= 201 and status ~= 200 then codes[#codes + 1] = string.format("%d × %d", n, status) end
  end
  table.sort(codes)
  local seconds = summary.duration / 1e6
  local socket_errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  -- One machine-readable line for bench/all.sh: 201/s, p50 and p99 (ms), answers other than 201, socket errors,
  -- submissions sent, 201 answers.
  io.write(string.format("@@submit %.1f %.1f %.1f %d %d %d %d\n", created / seconds, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, answered - created, socket_errors, sent_total, created))
  io.write(string.format("  submissions sent: %d; answered: %d (201: %d; other: %s) in %.1f s\n", sent_total, answered,
    created, #codes > 0 and table.concat(codes, ", ") or "none", seconds))
  io.write(string.format("  submissions/s (201 answers / elapsed): %.1f\n", created / seconds))
  io.write(string.format("  latency of the answered: p50 %.0f ms, p90 %.0f ms, p99 %.0f ms, max %.0f ms\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
  for status, body in pairs(samples_all) do
    io.write(string.format("  a %d answer: %s\n", status, body))
  end
  if fillers_total > 0 then
    io.write(string.format("  ran out of candidates: stopped early (%d GET /health fillers, not counted);" ..
      " submissions/s above is a lower bound\n", fillers_total))
  end
  if socket_errors > 0 then
    io.write(string.format("  socket errors: connect %d, read %d, write %d, timeout %d\n", summary.errors.connect,
      summary.errors.read, summary.errors.write, summary.errors.timeout))
  end
end
