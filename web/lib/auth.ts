/**
 * The bearer token: read once from the URL fragment (`#token=…`, never a query string, so it reaches no server log),
 * kept in sessionStorage for this tab only (never localStorage), and removed from the address bar at once.
 */
export function takeToken(storageKey: string): string | undefined {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const fromUrl = fragment.get('token');
  if (fromUrl) {
    sessionStorage.setItem(storageKey, fromUrl);
    fragment.delete('token');
    const rest = fragment.toString();
    history.replaceState(history.state, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`);
  }
  return sessionStorage.getItem(storageKey) ?? undefined;
}

/** Forgets the token, e.g. once the API said it is no longer valid. */
export function dropToken(storageKey: string): void {
  sessionStorage.removeItem(storageKey);
}
