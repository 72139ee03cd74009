-- A scripted Neovim session for tests/editors/test_neovim.py.
--
-- Run as `nvim --headless --clean -S neovim_session.lua`: the plugin is loaded from
-- the runtimepath as a user's init.lua would, keys go through nvim_input() into
-- the real input loop (so InsertCharPre/TextChangedI fire as when typing), and
-- the script itself runs in a coroutine that sleeps with timers, so the event loop
-- (LSP messages, the plugin's debounce timer) runs between steps. Every wait is
-- bounded; each step records what it saw or its error in the JSON result file.

local env = {
  plugin = assert(os.getenv("CODEX_TEST_PLUGIN")),
  server = assert(os.getenv("CODEX_TEST_SERVER")),
  url = assert(os.getenv("CODEX_TEST_URL")),
  file = assert(os.getenv("CODEX_TEST_FILE")),
  result = assert(os.getenv("CODEX_TEST_RESULT")),
  log = assert(os.getenv("CODEX_TEST_SERVER_LOG")),
}
local api = vim.api
local result = { steps = {}, order = {} }

local function write_result()
  local file = assert(io.open(env.result, "w"))
  file:write(vim.json.encode(result))
  file:close()
end

local function finish()
  write_result()
  vim.cmd("qa!")
end

-- Nothing may hang: past this the session writes what it has and quits.
vim.defer_fn(function()
  result.timed_out = true
  finish()
end, 90000)

local function sleep(ms)
  local co = coroutine.running()
  vim.defer_fn(function()
    local ok, err = coroutine.resume(co)
    if not ok then
      result.crash = err
      finish()
    end
  end, ms)
  coroutine.yield()
end

--- Wait until `condition()` is true, at most `timeout` ms; returns whether it was.
local function wait_for(timeout, condition)
  local deadline = vim.uv.now() + timeout
  while not condition() do
    if vim.uv.now() > deadline then
      return false
    end
    sleep(20)
  end
  return true
end

local function lines(bufnr)
  return api.nvim_buf_get_lines(bufnr or 0, 0, -1, false)
end

local function ghost_marks()
  local ns = api.nvim_get_namespaces()["codex.ghost"]
  if not ns then
    return {}
  end
  local marks = {}
  for _, mark in ipairs(api.nvim_buf_get_extmarks(0, ns, 0, -1, { details = true })) do
    local details = mark[4]
    marks[#marks + 1] = {
      row = mark[2],
      col = mark[3],
      virt_text = details.virt_text,
      virt_text_pos = details.virt_text_pos,
      virt_lines = details.virt_lines,
    }
  end
  return marks
end

local function state()
  local cursor = api.nvim_win_get_cursor(0)
  return { mode = api.nvim_get_mode().mode, cursor = cursor, lines = lines(), marks = ghost_marks() }
end

--- Run one step; its table collects what the step saw, `error` what went wrong.
local function step(name, body)
  local record = {}
  result.steps[name] = record
  table.insert(result.order, name)
  local ok, err = xpcall(body, debug.traceback, record)
  record.ok = ok
  if not ok then
    record.error = err
  end
  write_result()
  return ok
end

local function expect(value, message)
  if not value then
    error(message, 2)
  end
  return value
end

--- The first warning or error notified after the `mark`-th notification, if any.
local function warned_since(mark)
  for i = mark + 1, #(result.notifications or {}) do
    local note = result.notifications[i]
    if (note.level or 0) >= vim.log.levels.WARN then
      return note.message
    end
  end
  return nil
end

local function codex_client()
  return vim.lsp.get_clients({ bufnr = 0, name = "codex_ls" })[1]
end

local function main()
  step("setup", function(record)
    vim.opt.runtimepath:prepend(env.plugin)
    require("codex").setup({
      cmd = { env.server, "--log-file", env.log, "--log-level", "debug" },
      settings = {
        backend = { kind = "openai", url = env.url, model = "qwen2.5-coder-1.5b", tuning = { maxRetries = 0 } },
        completion = { maxTokens = 64 },
      },
      ghost_text = { debounce_ms = 50, renderer = "auto" },
    })
    vim.o.statusline = "%f %{%v:lua.require'codex'.statusline()%}"
    result.notifications = {}
    vim.notify = function(message, level)
      table.insert(result.notifications, { message = message, level = level })
    end
    record.statuses = {}
    api.nvim_create_autocmd("User", {
      pattern = "CodexStatus",
      callback = function(args)
        table.insert(record.statuses, args.data)
      end,
    })
    vim.cmd.edit(vim.fn.fnameescape(env.file))
    record.filetype = vim.bo.filetype
    expect(
      wait_for(20000, function()
        local client = codex_client()
        return client ~= nil and client.initialized == true
      end),
      "codex-ls did not attach within 20 s"
    )
    local client = assert(codex_client())
    -- Count the $/cancelRequest the plugin sends (the cancel step checks them).
    result.cancelled = {}
    local cancel_request = client.cancel_request
    client.cancel_request = function(self, id)
      table.insert(result.cancelled, id)
      return cancel_request(self, id)
    end
    record.server_name = client.server_info and client.server_info.name
    record.inline_provider = client.server_capabilities.inlineCompletionProvider ~= nil
    local commands = client.server_capabilities.executeCommandProvider
    record.commands = commands and commands.commands or {}
    record.builtin_inline_completion = vim.lsp.inline_completion ~= nil
    record.titles = vim.tbl_map(function(action)
      return action.title
    end, require("codex.actions").server_actions(client, 0) or {})
    record.statusline = require("codex").statusline()
  end)
  if not result.steps.setup.ok then
    return
  end

  step("ghost_text", function(record)
    -- Line 2 is "    ret": type the rest of the keyword as a user would.
    api.nvim_win_set_cursor(0, { 2, 0 })
    api.nvim_input("A")
    api.nvim_input("urn ")
    record.shown = wait_for(10000, function()
      return #ghost_marks() > 0
    end)
    record.state = state()
    record.suggestions = require("codex.ghost").get()
    expect(record.shown, "no ghost text within 10 s")
  end)

  step("accept", function(record)
    expect(#ghost_marks() > 0, "no ghost text to accept")
    api.nvim_input("<Tab>")
    record.accepted = wait_for(5000, function()
      return lines()[2] ~= "    return "
    end)
    record.state = state()
    api.nvim_input("<Esc>")
    wait_for(2000, function()
      return api.nvim_get_mode().mode == "n"
    end)
    record.after_leave = state()
  end)

  step("multiline", function(record)
    -- A new, indented empty line in the body of mul(): a multi-line suggestion.
    vim.bo.autoindent = false
    vim.bo.indentexpr = ""
    api.nvim_win_set_cursor(0, { 5, 0 })
    api.nvim_input("o    ")
    record.shown = wait_for(10000, function()
      return #ghost_marks() > 0
    end)
    record.state = state()
    record.suggestions = require("codex.ghost").get()
    expect(record.shown, "no ghost text within 10 s")
    api.nvim_input("<Tab>")
    record.accepted = wait_for(5000, function()
      return #lines() > #record.state.lines
    end)
    record.after_accept = state()
    api.nvim_input("<Esc>")
    wait_for(2000, function()
      return api.nvim_get_mode().mode == "n"
    end)
  end)

  step("cancel", function(record)
    -- Line 7 is "    return result": the answer to " *" is slow; typing " 2" meanwhile
    -- must cancel that request (the server closes its stream once " 2" contradicts
    -- it) and show the answer to the newer text.
    api.nvim_win_set_cursor(0, { 7, 0 })
    api.nvim_input("A *")
    record.sent = wait_for(5000, function()
      local ghost = require("codex.ghost").get()
      return ghost ~= nil and ghost.pending
    end)
    sleep(800) -- the server has passed it on to the model by now
    local cancelled = #result.cancelled
    api.nvim_input(" 2")
    record.shown = wait_for(10000, function()
      return #ghost_marks() > 0
    end)
    record.state = state()
    record.cancel_requests = #result.cancelled - cancelled
    api.nvim_input("<Esc>")
    wait_for(2000, function()
      return api.nvim_get_mode().mode == "n"
    end)
    expect(record.sent, "the first request was not sent")
    expect(record.shown, "no ghost text within 10 s")
  end)

  step("partial", function(record)
    -- A new function at the end: <C-Right> takes a word, <C-Down> a line, <Tab> the rest;
    -- after each part the rest is shown and the server answers it without the model.
    local function settled()
      return wait_for(5000, function()
        local ghost = require("codex.ghost").get()
        return ghost ~= nil and not ghost.pending and #ghost_marks() > 0
      end)
    end
    local last = #lines()
    api.nvim_win_set_cursor(0, { last, 0 })
    api.nvim_input("odef area(w, h):<CR>    ")
    record.shown = wait_for(10000, function()
      return #ghost_marks() > 0
    end)
    expect(record.shown, "no ghost text within 10 s")
    record.first = state()
    record.rows = { first = last + 1 }
    api.nvim_input("<C-Right>")
    expect(wait_for(3000, function()
      return (lines()[last + 2] or ""):match("product$") ~= nil
    end), "<C-Right> did not insert the word")
    record.word_at_once = state()
    record.word_settled = settled()
    record.word = state()
    api.nvim_input("<C-Down>")
    expect(wait_for(3000, function()
      return #lines() > #record.word.lines
    end), "<C-Down> did not insert the line")
    record.line_at_once = state()
    record.line_settled = settled()
    record.line = state()
    api.nvim_input("<Tab>")
    expect(wait_for(3000, function()
      return (lines()[last + 3] or "") ~= ""
    end), "<Tab> did not insert the rest")
    record.whole = state()
    sleep(300)
    local client = assert(codex_client())
    client:request("codex/stats", vim.empty_dict(), function(err, answer)
      record.stats = answer or { error = err }
    end, 0)
    wait_for(3000, function()
      return record.stats ~= nil
    end)
    record.stats_line = require("codex.actions").stats()
    api.nvim_input("<Esc>")
    wait_for(2000, function()
      return api.nvim_get_mode().mode == "n"
    end)
  end)

  step("trigger", function(record)
    -- New settings reach the running server; then <M-\\> asks at the end of line 2
    -- without typing anything.
    require("codex").set_settings({
      backend = { kind = "openai", url = env.url, model = "qwen2.5-coder-1.5b", tuning = { maxRetries = 0 } },
      completion = { maxTokens = 32 },
    })
    sleep(200)
    api.nvim_win_set_cursor(0, { 2, 0 })
    api.nvim_input("A")
    wait_for(2000, function()
      return api.nvim_get_mode().mode == "i"
    end)
    api.nvim_input("<M-\\>")
    record.shown = wait_for(10000, function()
      return #ghost_marks() > 0
    end)
    record.state = state()
    api.nvim_input("<Esc>")
    wait_for(2000, function()
      return api.nvim_get_mode().mode == "n"
    end)
    expect(record.shown, "no ghost text within 10 s")
  end)

  --- Record in `record.changes` what the buffer of a `User` event held at each change,
  --- and whether that was the whole answer; returns whether the whole answer came.
  local function record_changes(record, pattern)
    record.changes = {}
    local done = false
    api.nvim_create_autocmd("User", {
      pattern = pattern,
      callback = function(event)
        table.insert(record.changes, { text = table.concat(lines(event.data.bufnr), "\n"), done = event.data.done })
        done = done or event.data.done
      end,
    })
    return function()
      return done
    end
  end

  step("explain", function(record)
    local mark = #result.notifications
    local done = record_changes(record, "CodexExplanation")
    vim.cmd("1,2Codex explain")
    record.shown = wait_for(10000, function()
      return done() or warned_since(mark) ~= nil
    end)
    local bufnr = vim.fn.bufnr("codex://explanation")
    if bufnr ~= -1 then
      record.lines = lines(bufnr)
      record.filetype = vim.bo[bufnr].filetype
      record.visible = vim.fn.bufwinid(bufnr) ~= -1
    end
    record.current_file = api.nvim_buf_get_name(0)
    expect(not warned_since(mark), warned_since(mark))
    expect(record.shown, "no explanation within 10 s")
  end)

  step("edit", function(record)
    local before = lines()
    local mark = #result.notifications
    -- What a UI plugin (dressing, snacks) or the command line would answer.
    vim.ui.input = function(opts, on_confirm)
      record.prompt = opts.prompt
      on_confirm("use the built-in sum")
    end
    vim.cmd("1,2Codex edit")
    record.changed = wait_for(10000, function()
      return not vim.deep_equal(lines(), before) or warned_since(mark) ~= nil
    end)
    record.lines = lines()
    expect(not warned_since(mark), warned_since(mark))
    expect(record.changed, "the buffer did not change within 10 s")
  end)

  step("translate", function(record)
    local mark = #result.notifications
    vim.ui.input = function(opts, on_confirm)
      record.prompt = opts.prompt
      on_confirm("Go")
    end
    local done = record_changes(record, "CodexTranslation")
    vim.cmd("1,2Codex translate")
    record.shown = wait_for(10000, function()
      return done() or warned_since(mark) ~= nil
    end)
    local bufnr = vim.fn.bufnr("codex://translation")
    record.filetype = bufnr ~= -1 and vim.bo[bufnr].filetype or nil
    record.current_file = api.nvim_buf_get_name(0)
    expect(not warned_since(mark), warned_since(mark))
    expect(record.shown, "no translation within 10 s")
  end)

  step("status", function(record)
    -- What the server sent during the session, then each state through the
    -- client's own handler, as a notification from the server arrives.
    record.from_server = vim.deepcopy(result.steps.setup.statuses)
    record.statusline = {}
    local client = assert(codex_client())
    local handler = client.handlers["codex/status"] or vim.lsp.handlers["codex/status"]
    local context = { client_id = client.id, method = "codex/status" }
    for _, params in ipairs({
      { state = "busy", message = "explaining" },
      { state = "error", message = "the backend refused the API key (401)" },
      { state = "idle" },
    }) do
      handler(nil, params, context)
      table.insert(record.statusline, require("codex").statusline())
    end
  end)

  step("health", function(record)
    vim.cmd("checkhealth codex")
    record.lines = lines()
    vim.cmd("bwipeout!")
  end)

  step("recover", function(record)
    -- SIGKILL the server in the middle of typing a new last line; the plugin must start it
    -- again, the buffer must keep exactly what was typed, and ghost text must come back.
    local mark = #result.notifications
    local old = assert(codex_client())
    record.before = lines()
    api.nvim_win_set_cursor(0, { #record.before, 0 })
    api.nvim_input("o")
    local function type_slowly(text)
      for char in text:gmatch(".") do
        api.nvim_input(char)
        sleep(60)
      end
    end
    type_slowly("tot")
    local children = {}
    for _, pid in ipairs(api.nvim_get_proc_children(vim.fn.getpid())) do
      local info = api.nvim_get_proc(pid)
      table.insert(children, { pid = pid, name = info and info.name })
    end
    record.children = children
    record.killed = #children == 1 and vim.uv.kill(children[1].pid, "sigkill") == 0
    local killed_at = vim.uv.now()
    type_slowly("al = mu")
    record.restarted = wait_for(20000, function()
      local client = codex_client()
      return client ~= nil
        and client.id ~= old.id
        and client.initialized == true
        and vim.lsp.buf_is_attached(0, client.id)
        and require("codex.ghost").get() ~= nil
    end)
    record.restart_ms = vim.uv.now() - killed_at
    type_slowly("l(")
    record.shown = wait_for(10000, function()
      return #ghost_marks() > 0
    end)
    record.state = state()
    api.nvim_input("<Esc>")
    wait_for(2000, function()
      return api.nvim_get_mode().mode == "n"
    end)
    record.after = lines()
    record.messages = {}
    for i = mark + 1, #result.notifications do
      table.insert(record.messages, result.notifications[i])
    end
    record.statusline = require("codex").statusline()
    expect(record.killed, "no single server process to kill: " .. vim.inspect(children))
    expect(record.restarted, "codex-ls was not started again within 20 s")
    expect(record.shown, "no ghost text within 10 s of the restart")
  end)

  step("kill_shown", function(record)
    -- The server dies while a suggestion is shown: the extmark goes, the text stays as it
    -- was, and the plugin starts the server again with a message.
    local mark = #result.notifications
    local old = assert(codex_client())
    api.nvim_win_set_cursor(0, { #lines(), 0 })
    api.nvim_input("ototal = mul(")
    record.shown = wait_for(10000, function()
      return #ghost_marks() > 0
    end)
    record.before = lines()
    local children = api.nvim_get_proc_children(vim.fn.getpid())
    record.killed = #children == 1 and vim.uv.kill(children[1], "sigkill") == 0
    record.cleared = wait_for(5000, function()
      return #ghost_marks() == 0
    end)
    record.after = lines()
    record.restarted = wait_for(20000, function()
      local client = codex_client()
      return client ~= nil and client.id ~= old.id and client.initialized == true
    end)
    record.messages = {}
    for i = mark + 1, #result.notifications do
      table.insert(record.messages, result.notifications[i].message)
    end
    api.nvim_input("<Esc>")
    expect(record.shown, "no ghost text to kill the server under")
  end)

  step("suggestion", function(record)
    -- The pure functions behind the ghost text, on cases the server above does not make.
    local s = require("codex.suggestion")
    local function item(text, r)
      return { text = text, range = r }
    end
    record.cases = {
      auto_closed = s.visible("print(max()", item("a, b)", { 0, 10, 0, 11 }), 0, 10),
      typed_since = s.visible("x = fo", item("foo(1)", { 0, 4, 0, 4 }), 0, 6),
      typed_other = s.visible("x = ba", item("foo(1)", { 0, 4, 0, 4 }), 0, 6) or vim.NIL,
      all_typed = s.visible("x = foo", item("foo", { 0, 4, 0, 4 }), 0, 7) or vim.NIL,
      multiline = s.visible("    ", item("if a:\n        return b", { 0, 4, 0, 4 }), 0, 4),
      counter = s.extmark({ "a", "b" }, "Comment", 2, 3),
      end_single = { s.end_of(item("a + b", { 1, 11, 1, 11 })) },
      end_multi = { s.end_of(item("x\n    y", { 4, 4, 4, 4 })) },
      utf16 = s.from_lsp(
        { items = { { insertText = ")", range = { start = { line = 0, character = 17 }, ["end"] = { line = 0, character = 17 } } } } },
        { 0, 0 },
        function()
          return 's = "😀中文" + str('
        end,
        "utf-16"
      ),
    }
  end)
end

vim.schedule(function()
  local co = coroutine.create(function()
    local ok, err = xpcall(main, debug.traceback)
    if not ok then
      result.crash = err
    end
    finish()
  end)
  local ok, err = coroutine.resume(co)
  if not ok then
    result.crash = err
    finish()
  end
end)
