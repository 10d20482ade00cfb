// REST calls of the facilitation features, with the board's token from the page address.
// Errors carry the server's message ({"error": ...}) and the HTTP status.

export function boardToken () {
  return new URLSearchParams(location.search).get('token') || ''
}

export class ApiError extends Error {
  constructor (status, message) {
    super(message)
    this.status = status
  }
}

/** Call the board's API: api(app, 'POST', 'voting', {votes_per_participant: 3}). */
export async function api (app, method, path, body = undefined) {
  const url = path.startsWith('/') ? path : `/api/boards/${encodeURIComponent(app.boardId)}/${path}`
  const headers = { accept: 'application/json', authorization: `Bearer ${boardToken()}` }
  if (body !== undefined) headers['content-type'] = 'application/json'
  const answer = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  let data = null
  try { data = await answer.json() } catch (_error) { /* an empty or non-JSON answer */ }
  if (!answer.ok) throw new ApiError(answer.status, (data && data.error) || String(answer.status))
  return data
}

/** A link to a board document with the token in it (for <a href>, where no header can be sent). */
export function tokenLink (app, path, params = {}) {
  const query = new URLSearchParams({ ...params, token: boardToken() })
  return `/api/boards/${encodeURIComponent(app.boardId)}/${path}?${query}`
}
