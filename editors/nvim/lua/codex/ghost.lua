--- Ghost text for Neovim without `vim.lsp.inline_completion` (0.11): asks the server
--- for `textDocument/inlineCompletion` while typing and draws the answer as an extmark
--- at the cursor (`virt_text` inline for the first line, `virt_lines` for the rest).
---
--- Typing restarts a short timer (debounce); when it fires, the previous request is
--- cancelled (`$/cancelRequest`, which closes the model's stream on the server) and a
--- new one is sent. An answer is drawn only if the buffer and the cursor are still
--- where they were when it was asked.

local M = {}

local api = vim.api
local suggestion = require("codex.suggestion")
local INLINE_COMPLETION = "textDocument/inlineCompletion"
local AUTOMATIC = 2 -- InlineCompletionTriggerKind.Automatic
local INVOKED = 1

M.namespace = api.nvim_create_namespace("codex.ghost")

---@class codex.ghost.State
---@field client_id integer
---@field config codex.Config
---@field timer uv.uv_timer_t
---@field request_id integer?
---@field items codex.Suggestion[]
---@field index integer
---@field extmark integer?
---@field anchor { [1]: integer, [2]: integer }? Cursor (0-based row, byte col) the ghost text belongs to.
---@field augroup integer
---@field kept_tick integer? The buffer's changedtick after a partial accept, whose rest stays shown.

---@type table<integer, codex.ghost.State>
local states = {}

---@return integer, integer 0-based row, byte column of the cursor
local function cursor()
  local pos = api.nvim_win_get_cursor(0)
  return pos[1] - 1, pos[2]
end

--- Cancel the request in flight, if any (`$/cancelRequest`).
---@param state codex.ghost.State
local function cancel(state)
  if state.request_id then
    local client = vim.lsp.get_client_by_id(state.client_id)
    if client then
      client:cancel_request(state.request_id)
    end
    state.request_id = nil
  end
end

--- Hide the ghost text (the suggestions stay for next/prev until the text changes).
---@param bufnr integer
function M.hide(bufnr)
  local state = states[bufnr]
  if state and state.extmark then
    pcall(api.nvim_buf_del_extmark, bufnr, M.namespace, state.extmark)
    state.extmark = nil
  end
end

--- Cancel the pending request and the timer; forget the suggestions.
---@param bufnr integer
function M.clear(bufnr)
  local state = states[bufnr]
  if not state then
    return
  end
  state.timer:stop()
  cancel(state)
  M.hide(bufnr)
  state.items, state.index, state.anchor = {}, 1, nil
end

---@param bufnr integer
function M.render(bufnr)
  local state = states[bufnr]
  M.hide(bufnr)
  if not state or #state.items == 0 then
    return
  end
  local row, col = cursor()
  local line = api.nvim_buf_get_lines(bufnr, row, row + 1, false)[1] or ""
  local lines = suggestion.visible(line, state.items[state.index], row, col)
  if not lines then
    return
  end
  local opts = suggestion.extmark(lines, state.config.ghost_text.hl_group, state.index, #state.items)
  state.extmark = api.nvim_buf_set_extmark(bufnr, M.namespace, row, col, opts)
  state.anchor = { row, col }
end

--- Ask the server now (the timer calls this; also `require("codex.ghost").request(0, true)`).
---@param bufnr integer
---@param invoked boolean? true when the user asked explicitly
function M.request(bufnr, invoked)
  bufnr = bufnr == 0 and api.nvim_get_current_buf() or bufnr
  local state = states[bufnr]
  if not state or api.nvim_get_current_buf() ~= bufnr or not api.nvim_get_mode().mode:match("^i") then
    return
  end
  local client = vim.lsp.get_client_by_id(state.client_id)
  if not client then
    return
  end
  if state.request_id then
    client:cancel_request(state.request_id)
    state.request_id = nil
  end
  local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
  ---@cast params lsp.InlineCompletionParams
  params.context = { triggerKind = invoked and INVOKED or AUTOMATIC }
  local tick = api.nvim_buf_get_changedtick(bufnr)
  local row, col = cursor()
  local ok, request_id
  ok, request_id = client:request(INLINE_COMPLETION, params, function(err, result)
    if state.request_id ~= request_id then
      return -- cancelled or superseded
    end
    state.request_id = nil
    if err or not api.nvim_buf_is_valid(bufnr) then
      return
    end
    local now_row, now_col = cursor()
    local current = api.nvim_get_current_buf() == bufnr and api.nvim_get_mode().mode:match("^i")
    if not current or api.nvim_buf_get_changedtick(bufnr) ~= tick or now_row ~= row or now_col ~= col then
      return -- stale: the user moved on
    end
    local function get_line(r)
      return api.nvim_buf_get_lines(bufnr, r, r + 1, false)[1] or ""
    end
    state.items, state.index = suggestion.from_lsp(result, { row, col }, get_line, client.offset_encoding), 1
    M.render(bufnr)
  end, bufnr)
  state.request_id = ok and request_id or nil
end

---@param bufnr integer
local function schedule(bufnr)
  local state = states[bufnr]
  if not state then
    return
  end
  if state.kept_tick == api.nvim_buf_get_changedtick(bufnr) then
    -- The plugin's own partial accept: the rest stays shown while the server is asked again.
    state.timer:stop()
    cancel(state)
  else
    M.clear(bufnr)
  end
  state.timer:start(
    state.config.ghost_text.debounce_ms,
    0,
    vim.schedule_wrap(function()
      if states[bufnr] == state then
        M.request(bufnr)
      end
    end)
  )
end

--- Insert the shown suggestion; false if none is shown.
---@param bufnr integer?
---@return boolean
function M.accept(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and api.nvim_get_current_buf() or bufnr
  local state = states[bufnr]
  if not state or not state.extmark or #state.items == 0 then
    return false
  end
  local item = state.items[state.index]
  M.clear(bufnr)
  local srow, scol, erow, ecol = unpack(item.range)
  api.nvim_buf_set_text(bufnr, srow, scol, erow, ecol, vim.split(item.text, "\n", { plain = true }))
  local row, col = suggestion.end_of(item)
  api.nvim_win_set_cursor(0, { row + 1, col })
  local client = vim.lsp.get_client_by_id(state.client_id)
  if client and item.command then
    -- The server counts acceptances through the item's command, as LSP 3.18 has clients run it.
    client:exec_cmd(item.command, { bufnr = bufnr })
  end
  return true
end

--- Insert the head of the shown suggestion that `take` picks; the rest stays shown.
--- Accepting the last part is accepting the whole. False if none is shown.
---@param bufnr integer?
---@param take fun(rest: string): string
---@return boolean
function M.accept_part(bufnr, take)
  bufnr = (bufnr == nil or bufnr == 0) and api.nvim_get_current_buf() or bufnr
  local state = states[bufnr]
  if not state or not state.extmark or #state.items == 0 then
    return false
  end
  local item = state.items[state.index]
  local row, col = cursor()
  local line = api.nvim_buf_get_lines(bufnr, row, row + 1, false)[1] or ""
  local part = suggestion.partial(line, item, row, col, take)
  if not part then
    return M.accept(bufnr)
  end
  state.timer:stop()
  cancel(state)
  api.nvim_buf_set_text(bufnr, row, col, row, col, vim.split(part.head, "\n", { plain = true }))
  api.nvim_win_set_cursor(0, { part.rest.range[1] + 1, part.rest.range[2] })
  state.items, state.index = { part.rest }, 1
  state.kept_tick = api.nvim_buf_get_changedtick(bufnr)
  M.render(bufnr)
  local client = vim.lsp.get_client_by_id(state.client_id)
  if client then
    client:notify("textDocument/didPartiallyAcceptCompletion", {
      item = { insertText = part.rest.insert_text },
      acceptedLength = part.accepted,
    })
  end
  return true
end

--- Accept the next word of the shown suggestion.
---@param bufnr integer?
---@return boolean
function M.accept_word(bufnr)
  return M.accept_part(bufnr, suggestion.next_word)
end

--- Accept the rest of the suggestion's current line, with its line break.
---@param bufnr integer?
---@return boolean
function M.accept_line(bufnr)
  return M.accept_part(bufnr, suggestion.next_line)
end

--- Show the next (`step` 1) or previous (`step` -1) suggestion.
---@param bufnr integer?
---@param step integer
---@return boolean
function M.cycle(bufnr, step)
  bufnr = (bufnr == nil or bufnr == 0) and api.nvim_get_current_buf() or bufnr
  local state = states[bufnr]
  if not state or #state.items < 2 then
    return false
  end
  state.index = (state.index - 1 + step) % #state.items + 1
  M.render(bufnr)
  return true
end

--- Hide the ghost text and cancel what is pending; false if there was nothing.
---@param bufnr integer?
---@return boolean
function M.dismiss(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and api.nvim_get_current_buf() or bufnr
  local state = states[bufnr]
  local shown = state ~= nil and (state.extmark ~= nil or state.request_id ~= nil)
  local client = state and state.extmark and vim.lsp.get_client_by_id(state.client_id)
  M.clear(bufnr)
  if client then
    client:notify("codex/didDismissCompletion", vim.empty_dict())
  end
  return shown
end

--- The suggestions and what is shown, for tests and statuslines.
---@param bufnr integer?
function M.get(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and api.nvim_get_current_buf() or bufnr
  local state = states[bufnr]
  if not state then
    return nil
  end
  return {
    items = vim.deepcopy(state.items),
    index = state.index,
    shown = state.extmark ~= nil,
    pending = state.request_id ~= nil,
  }
end

---@param bufnr integer
---@param lhs string|false
---@param action fun(bufnr: integer): boolean
---@param desc string
local function map(bufnr, lhs, action, desc)
  if not lhs then
    return
  end
  vim.keymap.set("i", lhs, function()
    if not action(bufnr) then
      -- Nothing to do: the key does what it does without the plugin.
      api.nvim_feedkeys(vim.keycode(lhs), "n", false)
    end
  end, { buffer = bufnr, desc = desc })
end

---@param bufnr integer
function M.detach(bufnr)
  local state = states[bufnr]
  if not state then
    return
  end
  M.clear(bufnr)
  state.timer:close()
  pcall(api.nvim_del_augroup_by_id, state.augroup)
  for _, lhs in pairs(state.config.keymaps) do
    if lhs then
      pcall(vim.keymap.del, "i", lhs, { buffer = bufnr })
    end
  end
  states[bufnr] = nil
end

---@param bufnr integer
---@param client vim.lsp.Client
---@param config codex.Config
function M.attach(bufnr, client, config)
  if states[bufnr] then
    return
  end
  local group = api.nvim_create_augroup("codex.ghost." .. bufnr, { clear = true })
  states[bufnr] = {
    client_id = client.id,
    config = config,
    timer = assert(vim.uv.new_timer()),
    items = {},
    index = 1,
    augroup = group,
  }
  api.nvim_create_autocmd({ "InsertCharPre", "TextChangedI" }, {
    group = group,
    buffer = bufnr,
    callback = function()
      schedule(bufnr)
    end,
  })
  api.nvim_create_autocmd({ "InsertLeave", "BufLeave" }, {
    group = group,
    buffer = bufnr,
    callback = function()
      M.clear(bufnr)
    end,
  })
  api.nvim_create_autocmd("CursorMovedI", {
    group = group,
    buffer = bufnr,
    callback = function()
      local state = states[bufnr]
      local row, col = cursor()
      if state and state.anchor and (state.anchor[1] ~= row or state.anchor[2] ~= col) then
        M.clear(bufnr)
      end
    end,
  })
  api.nvim_create_autocmd("LspDetach", {
    group = group,
    buffer = bufnr,
    callback = function(args)
      if args.data.client_id == client.id then
        M.detach(bufnr)
      end
    end,
  })
  local keys = config.keymaps
  map(bufnr, keys.accept, M.accept, "codex: accept the suggestion")
  map(bufnr, keys.accept_word, M.accept_word, "codex: accept the next word of the suggestion")
  map(bufnr, keys.accept_line, M.accept_line, "codex: accept the next line of the suggestion")
  map(bufnr, keys.next, function(b)
    return M.cycle(b, 1)
  end, "codex: next suggestion")
  map(bufnr, keys.prev, function(b)
    return M.cycle(b, -1)
  end, "codex: previous suggestion")
  map(bufnr, keys.dismiss, M.dismiss, "codex: dismiss the suggestion")
  map(bufnr, keys.trigger, function(b)
    M.clear(b)
    M.request(b, true)
    return true
  end, "codex: ask for a suggestion now")
end

return M
