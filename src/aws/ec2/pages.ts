// EC2 Describe pagination by NextToken. A server that hands back the same token again (an
// emulator bug, or ours) must not spin forever, so repeated tokens end the walk.
const MAX_PAGES = 100;

export async function collectPages<T>(
  fetchPage: (nextToken: string | undefined) => Promise<{ items: T[] | undefined; nextToken?: string | undefined }>,
): Promise<T[]> {
  const out: T[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const { items, nextToken } = await fetchPage(token);
    out.push(...(items ?? []));
    if (!nextToken || seen.has(nextToken)) break;
    seen.add(nextToken);
    token = nextToken;
  }
  return out;
}

/**
 * Collects an SDK paginator (built with `stopOnSameToken: true`, so a repeated token ends the
 * walk) into one list, bounded like collectPages.
 */
export async function collectPaginator<P, T>(pages: AsyncIterable<P>, itemsOf: (page: P) => T[] | undefined): Promise<T[]> {
  const out: T[] = [];
  let count = 0;
  for await (const page of pages) {
    out.push(...(itemsOf(page) ?? []));
    if (++count >= MAX_PAGES) break;
  }
  return out;
}
