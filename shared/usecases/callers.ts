import type { Affiliate } from '../domain/affiliate.ts';
import { TtlCache, type Clock } from '../domain/clock.ts';
import { NotPermittedError } from '../domain/errors.ts';
import type { PayoutStore } from '../domain/ports.ts';

/**
 * Who the caller is as an affiliate: the token's user resolved through the user-affiliate index, cached for a short
 * while so a warm request skips the index, and always proven against the affiliate record itself (a GSI read is
 * never trusted as a guard). The one place ownership is checked.
 */
export class Callers {
  private readonly affiliateIds: TtlCache<string>;

  constructor(
    private readonly store: PayoutStore,
    cacheTtlMs: number,
    clock: Clock,
  ) {
    this.affiliateIds = new TtlCache(cacheTtlMs, clock);
  }

  /** The affiliate id the index gives this user (cached); 403 when the user is not an affiliate. */
  async affiliateIdOf(userId: string): Promise<string> {
    const cached = this.affiliateIds.get(userId);
    if (cached !== undefined) return cached;
    const affiliateId = await this.store.findAffiliateIdByUser(userId);
    if (affiliateId === undefined) throw notAnAffiliate();
    this.affiliateIds.set(userId, affiliateId);
    return affiliateId;
  }

  /** The caller's affiliate record (strongly consistent); a stale mapping is dropped and the index asked once more. */
  async affiliateOf(userId: string): Promise<Affiliate> {
    const affiliateId = await this.affiliateIdOf(userId);
    const affiliate = await this.store.getAffiliate(affiliateId);
    if (this.owns(userId, affiliate)) return affiliate;
    const fresh = await this.affiliateIdOf(userId);
    const retried = fresh === affiliateId ? undefined : await this.store.getAffiliate(fresh);
    if (this.owns(userId, retried)) return retried;
    throw notAnAffiliate();
  }

  /**
   * Whether a record read with the cached mapping is the caller's. When it is not, the mapping is forgotten, so
   * the next resolution asks the index again.
   */
  owns(userId: string, affiliate: Affiliate | undefined): affiliate is Affiliate {
    if (affiliate?.user_id === userId) return true;
    this.affiliateIds.delete(userId);
    return false;
  }

  /** Like `owns`, for a record read in parallel with other reads: the record, or 403 when it is not the caller's. */
  requireOwn(userId: string, affiliate: Affiliate | undefined): Affiliate {
    if (!this.owns(userId, affiliate)) throw notAnAffiliate();
    return affiliate;
  }
}

export function notAnAffiliate(): NotPermittedError {
  return new NotPermittedError('NOT_AN_AFFILIATE', 'This account is not linked to an affiliate.');
}
