import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors';
import { translate } from '../i18n';
import { errorText } from './errorText';

const t = (key: Parameters<typeof translate>[1], params?: Parameters<typeof translate>[2]) => translate('id', key, params);

describe('error sentences for people', () => {
  it('uses plain Indonesian for codes the catalog knows', () => {
    expect(errorText(new ApiError(409, 'STOCK_EXHAUSTED', 'Only 1 left'), t)).toBe('Maaf, stok tidak cukup untuk jumlah ini.');
    expect(errorText(new ApiError(0, 'NETWORK', 'Network error'), t)).toBe('Tidak ada koneksi internet. Coba lagi sebentar.');
    expect(errorText(new ApiError(409, 'ORDER_NOT_FULFILLED', 'You can review once your order has been delivered'), t)).toBe('Ulasan bisa ditulis setelah pesanan diterima.');
    expect(errorText(new ApiError(400, 'PAYOUT_BELOW_MINIMUM', 'The minimum payout for this shop is Rp 10.000'), t)).toBe('Jumlahnya di bawah pencairan minimum toko ini.');
  });

  it('passes on the server’s own sentence for a client error code the catalog does not know yet', () => {
    expect(errorText(new ApiError(409, 'SOMETHING_NEW', 'A brand-new rule said no'), t)).toBe('A brand-new rule said no');
  });

  it('never shows a route path or a server crash to the person', () => {
    expect(errorText(new ApiError(404, 'ROUTE_NOT_FOUND', 'No route for GET /api/v1/x'), t)).not.toContain('/api');
    expect(errorText(new ApiError(404, 'WHATEVER_NOT_FOUND', 'No route for GET /api/v1/x'), t)).toBe(t('common.error'));
    expect(errorText(new ApiError(500, 'INTERNAL', 'TypeError: x is undefined'), t)).not.toContain('TypeError');
    expect(errorText(new ApiError(503, 'SOMETHING_DOWN', 'TypeError: x is undefined'), t)).toBe(t('error.generic'));
    expect(errorText(new Error('boom'), t)).toBe(t('error.generic'));
  });
});
