--- Pure functions over inline completion items: from the LSP answer to byte
--- ranges, and from an item to what the ghost text shows at the cursor.

local M = {}

---@class codex.Suggestion
---@field text string What is inserted, from the range's start.
---@field range { [1]: integer, [2]: integer, [3]: integer, [4]: integer } 0-based rows, byte columns.
---@field command lsp.Command? Run when the item is accepted whole (the server counts acceptances).
---@field insert_text string? The server's whole text when `text` is what is left after a partial accept.

---@param line string
---@param character integer
---@param encoding string
---@return integer
local function byte_col(line, character, encoding)
  local ok, col = pcall(vim.str_byteindex, line, encoding, character, false)
  return ok and col or #line
end

--- The items of a `textDocument/inlineCompletion` answer, with byte ranges.
---@param result lsp.InlineCompletionList|lsp.InlineCompletionItem[]|nil
---@param cursor { [1]: integer, [2]: integer } 0-based row, byte column
---@param get_line fun(row: integer): string
---@param encoding string the client's offset encoding
---@return codex.Suggestion[]
function M.from_lsp(result, cursor, get_line, encoding)
  local items = {}
  for _, raw in ipairs(result and (result.items or result) or {}) do
    local text = type(raw.insertText) == "table" and raw.insertText.value or raw.insertText
    if type(text) == "string" and text ~= "" then
      local range = { cursor[1], cursor[2], cursor[1], cursor[2] }
      if raw.range then
        local s, e = raw.range.start, raw.range["end"]
        range = { s.line, byte_col(get_line(s.line), s.character, encoding), e.line, byte_col(get_line(e.line), e.character, encoding) }
      end
      items[#items + 1] = { text = text, range = range, command = raw.command }
    end
  end
  return items
end

--- What of `item` the user has typed since it was shown (its start up to the cursor), and
--- the end of the range it replaces; nil when the cursor left its line or the typing
--- went another way.
---@return string?, integer?, integer?
local function typed_into(line, item, row, col)
  local srow, scol, erow, ecol = unpack(item.range)
  if srow ~= row or scol > col then
    return nil
  end
  local typed = line:sub(scol + 1, col)
  if item.text:sub(1, #typed) ~= typed then
    return nil
  end
  return typed, erow, ecol
end

--- The lines the ghost text shows for `item` with the cursor at (`row`, `col`) of `line`:
--- without what is already typed before the cursor, and without the end that the
--- characters after the cursor it replaces (an auto-closed `)`) already show.
--- nil when the item no longer fits what is in the buffer.
---@param line string the cursor's line
---@param item codex.Suggestion
---@param row integer
---@param col integer
---@return string[]?
function M.visible(line, item, row, col)
  local typed, erow, ecol = typed_into(line, item, row, col)
  if typed == nil then
    return nil
  end
  local lines = vim.split(item.text:sub(#typed + 1), "\n", { plain = true })
  if erow == row and ecol > col and #lines == 1 then
    local replaced = line:sub(col + 1, ecol)
    if vim.endswith(lines[1], replaced) then
      lines[1] = lines[1]:sub(1, #lines[1] - #replaced)
    end
  end
  if #lines == 1 and lines[1] == "" then
    return nil
  end
  return lines
end

--- `nvim_buf_set_extmark` options drawing `lines`: the first inline at the cursor,
--- the others as virtual lines below; "(2/3)" after them when there are several items.
---@param lines string[]
---@param hl string
---@param index integer
---@param count integer
---@return vim.api.keyset.set_extmark
function M.extmark(lines, hl, index, count)
  lines = vim.list_slice(lines)
  if count > 1 then
    lines[#lines] = lines[#lines] .. (" (%d/%d)"):format(index, count)
  end
  local virt_lines = {}
  for i = 2, #lines do
    virt_lines[#virt_lines + 1] = { { lines[i], hl } }
  end
  return {
    virt_text = lines[1] ~= "" and { { lines[1], hl } } or nil,
    virt_text_pos = "inline",
    virt_lines = #virt_lines > 0 and virt_lines or nil,
    hl_mode = "combine",
    priority = 1000,
  }
end

--- Where the cursor goes after inserting `item`: 0-based row, byte column.
---@param item codex.Suggestion
---@return integer, integer
function M.end_of(item)
  local lines = vim.split(item.text, "\n", { plain = true })
  local row = item.range[1] + #lines - 1
  return row, (#lines == 1 and item.range[2] or 0) + #lines[#lines]
end

--- The head of `rest` that accept word takes: blanks and the next word, or blanks and a
--- run of punctuation; at a line's end, the line break alone.
---@param rest string
---@return string
function M.next_word(rest)
  return rest:match("^[ \t]*[%w_]+") or rest:match("^[ \t]*[^%w_%s]+") or rest:match("^[ \t]*\n") or rest
end

--- The head of `rest` that accept line takes: up to and with its first line break
--- (as VS Code's acceptNextLine), or all of it.
---@param rest string
---@return string
function M.next_line(rest)
  local stop = rest:find("\n", 1, true)
  return stop and rest:sub(1, stop) or rest
end

--- Length of `text` in UTF-16 code units (what `didPartiallyAcceptCompletion` counts).
---@param text string
---@return integer
function M.utf16_length(text)
  local ok, length = pcall(vim.str_utfindex, text, "utf-16")
  return ok and length or #text
end

--- Accepting `head` of `item` with the cursor at (`row`, `col`) of `line`: the text to
--- insert at the cursor, the item left to show after it, and how far into the server's
--- text (UTF-16 units) the accepted part reaches. nil when `take` leaves nothing of it,
--- which is an accept of the whole.
---@param line string
---@param item codex.Suggestion
---@param row integer
---@param col integer
---@param take fun(rest: string): string
---@return { head: string, rest: codex.Suggestion, accepted: integer }?
function M.partial(line, item, row, col, take)
  local typed, erow, ecol = typed_into(line, item, row, col)
  if typed == nil then
    return nil
  end
  local rest = item.text:sub(#typed + 1)
  local head = take(rest)
  if head == "" or #head >= #rest then
    return nil
  end
  local lines = vim.split(head, "\n", { plain = true })
  local nrow = row + #lines - 1
  local ncol = (#lines == 1 and col or 0) + #lines[#lines]
  -- The characters after the cursor that the item replaces (an auto-closed ")") stay after it.
  local tail = (erow == row and ecol > col) and ecol - col or 0
  local whole = item.insert_text or item.text
  local before = #whole - #item.text
  return {
    head = head,
    rest = {
      text = rest:sub(#head + 1),
      range = { nrow, ncol, nrow, ncol + tail },
      command = item.command,
      insert_text = whole,
    },
    accepted = M.utf16_length(whole:sub(1, before + #typed + #head)),
  }
end

return M
