-- wrk script of bench/job-offers-search.sh: GET the paths of a file (one a line) in turn, thread k starting k/threads
-- of the way in, so that no two threads send the same path at the same time.
-- args: paths file, wrk threads.
local threads, next_id = {}, 0
function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  threads[#threads + 1] = thread
end

function init(args)
  paths = {}
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  local count = tonumber(args[2]) or 1
  index = math.floor(#paths * id / count)
end

function request()
  index = index % #paths + 1
  return wrk.format("GET", paths[index])
end
