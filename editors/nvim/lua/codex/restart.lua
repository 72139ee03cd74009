--- Starts codex-ls again when it exits without being asked to (a crash, a kill): after a
--- delay that doubles with each exit in a row (0.5 s up to 16 s), with one message each
--- time. A server that ran for a minute before it exited starts the count again; the
--- seventh exit in a row is not followed by a start, and the message says how to start
--- it again (`:Codex restart`).
---
--- Neovim's own client does not start a server again: its buffers stay detached, and the
--- ghost text never comes back. Starting again goes through `vim.lsp.enable()`, which
--- attaches every buffer the config applies to, as it did when the editor started.
---
--- Neovim 0.11 stops sending a buffer's changes to every later client if the buffer
--- changes while no client at all is attached to it: its `on_lines` then returns true,
--- which unsubscribes without calling `on_detach`, and the buffer is never subscribed
--- again. The next server would complete against the text it was opened with, forever.
--- So while codex-ls is down, a stand-in client stays attached to its buffers: it never
--- initializes, so it is sent nothing and answers nothing, and it goes away once codex-ls
--- runs again.

local M = {}

--- Delay before each start in a row, in milliseconds.
M.delays_ms = { 500, 1000, 2000, 4000, 8000, 16000 }
--- A server that ran this long before it exited was healthy: the next exit is the first again.
M.healthy_ms = 60000

local exits = 0
---@type table<integer, integer> client id → vim.uv.now() when it was initialized
local started = {}
---@type uv.uv_timer_t?
local timer = nil
local restarting = false
--- Name of the stand-in client.
M.stand_in_name = "codex_ls_stand_in"

---@param message string
---@param level integer
local function say(message, level)
  vim.notify("codex: " .. message, level)
end

--- An RPC client for the stand-in: it swallows what it is sent and never answers.
---@param dispatchers vim.lsp.rpc.Dispatchers
---@return vim.lsp.rpc.PublicClient
local function silent_rpc(dispatchers)
  local closing = false
  local ids = 0
  return {
    request = function()
      ids = ids + 1
      return true, ids
    end,
    notify = function()
      return true
    end,
    is_closing = function()
      return closing
    end,
    terminate = function()
      if not closing then
        closing = true
        dispatchers.on_exit(0, 0)
      end
    end,
  }
end

--- Attach the stand-in client to `buffers` (see the top of this file).
---@param buffers integer[]
local function stand_in(buffers)
  for _, bufnr in ipairs(buffers) do
    if vim.api.nvim_buf_is_loaded(bufnr) then
      vim.lsp.start({ name = M.stand_in_name, cmd = silent_rpc }, {
        bufnr = bufnr,
        reuse_client = function(client)
          return client.name == M.stand_in_name
        end,
      })
    end
  end
end

local function stand_in_leaves()
  for _, client in ipairs(vim.lsp.get_clients({ name = M.stand_in_name, _uninitialized = true })) do
    client:stop(true)
  end
end

--- Start the config `name` again for every buffer it applies to.
---@param name string
function M.start(name)
  if timer then
    timer:stop()
    if not timer:is_closing() then
      timer:close()
    end
    timer = nil
  end
  vim.lsp.enable(name)
end

--- `on_init` of the LSP config.
---@param client vim.lsp.Client
function M.on_init(client)
  started[client.id] = vim.uv.now()
  stand_in_leaves()
  if restarting then
    restarting = false
    say("codex-ls is running again", vim.log.levels.INFO)
  end
end

--- Whether an exit was asked for: a clean exit after `shutdown`, or SIGTERM (`client:stop(true)`, the
--- system shutting down). Neovim's own client reads exits the same way.
---@param code integer
---@param signal integer
---@return boolean
local function asked_for(code, signal)
  return vim.v.exiting ~= vim.NIL or (code == 0 and (signal == 0 or signal == 15))
end

---@param name string
---@param code integer
---@param signal integer
---@param lived integer milliseconds from the client's start to its exit
---@param buffers integer[] the buffers the client was attached to
local function exited(name, code, signal, lived, buffers)
  if asked_for(code, signal) or timer then
    return
  end
  stand_in(buffers)
  if lived >= M.healthy_ms then
    exits = 0
  end
  exits = exits + 1
  local how = signal ~= 0 and ("signal " .. signal) or ("exit code " .. code)
  local delay = M.delays_ms[exits]
  if not delay then
    exits = 0
    local message = "codex-ls exited (%s) %d times in a row; it is not started again. :Codex restart starts it"
    say(message:format(how, #M.delays_ms + 1), vim.log.levels.ERROR)
    return
  end
  say(("codex-ls exited (%s); starting it again in %g s"):format(how, delay / 1000), vim.log.levels.WARN)
  restarting = true
  timer = vim.defer_fn(function()
    timer = nil
    M.start(name)
  end, delay)
end

--- `on_exit` of the LSP config `name`. It runs in a libuv callback, where the editor's
--- API may not be called: the work is scheduled.
---@param name string
---@return fun(code: integer, signal: integer, client_id: integer)
function M.on_exit(name)
  return function(code, signal, client_id)
    local now = vim.uv.now()
    -- Scheduled before Neovim's own scheduled detach of the client's buffers (this
    -- callback runs first), so the stand-in attaches while the buffers still have a client.
    vim.schedule(function()
      local lived = started[client_id] and (now - started[client_id]) or 0
      started[client_id] = nil
      local client = vim.lsp.get_client_by_id(client_id)
      exited(name, code, signal, lived, vim.tbl_keys(client and client.attached_buffers or {}))
    end)
  end
end

--- `:Codex restart`: stop the running clients and start again now, with a fresh count.
---@param name string
function M.restart(name)
  exits = 0
  local clients = vim.lsp.get_clients({ name = name })
  local buffers = {}
  for _, client in ipairs(clients) do
    vim.list_extend(buffers, vim.tbl_keys(client.attached_buffers))
  end
  stand_in(buffers)
  for _, client in ipairs(clients) do
    client:stop(true)
  end
  if #clients == 0 then
    M.start(name)
    return
  end
  -- The clients must be gone before their buffers can attach to a new one.
  local deadline = vim.uv.now() + 5000
  local function when_stopped()
    if #vim.lsp.get_clients({ name = name }) == 0 or vim.uv.now() > deadline then
      M.start(name)
    else
      vim.defer_fn(when_stopped, 50)
    end
  end
  vim.defer_fn(when_stopped, 50)
end

return M
