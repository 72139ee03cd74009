--- The server's `codex/status` notification ({state = "idle"|"busy"|"error", message?})
--- kept per client, a statusline component, and a `User CodexStatus` autocommand.

local M = {}

---@class codex.Status
---@field state "idle"|"busy"|"error"
---@field message string?

---@type table<integer, codex.Status>
local by_client = {}

M.icons = { idle = "", busy = "…", error = "!" }

--- `handlers["codex/status"]` of the LSP config.
---@param params codex.Status
---@param ctx lsp.HandlerContext
function M.handler(_, params, ctx)
  if type(params) ~= "table" or not M.icons[params.state] then
    return
  end
  by_client[ctx.client_id] = { state = params.state, message = params.message }
  vim.api.nvim_exec_autocmds("User", { pattern = "CodexStatus", modeline = false, data = params })
  vim.cmd.redrawstatus({ bang = true })
end

--- The status of the codex-ls client attached to a buffer (default: the current one).
---@param bufnr integer?
---@return codex.Status?
function M.get(bufnr)
  local client = require("codex").client(bufnr)
  if not client then
    return nil
  end
  return by_client[client.id] or { state = "idle" }
end

--- `codex`, `codex…` (busy) or `codex! message` (error); "" where codex-ls is not attached.
---@return string
function M.statusline()
  local status = M.get(0)
  if not status then
    return ""
  end
  local text = "codex" .. M.icons[status.state]
  if status.state == "error" and status.message then
    text = text .. " " .. status.message
  end
  return (text:gsub("%%", "%%%%"))
end

return M
