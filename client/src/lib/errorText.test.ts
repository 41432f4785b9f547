import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors';
import { translate } from '../i18n';
import { errorText } from './errorText';

const t = (key: Parameters<typeof translate>[1], params?: Parameters<typeof translate>[2]) => translate('id', key, params);

describe('error sentences for people', () => {
  it('uses plain Indonesian for codes the catalog knows', () => {
    expect(errorText(new ApiError(409, 'STOCK_EXHAUSTED', 'Only 1 left'), t)).toBe('Maaf, stok tidak cukup untuk jumlah ini.');
    expect(errorText(new ApiError(0, 'NETWORK', 'Network error'), t)).toBe('Tidak ada koneksi internet. Coba lagi sebentar.');
  });

  it('passes on the server’s own sentence for other client errors', () => {
    expect(errorText(new ApiError(409, 'ORDER_NOT_FULFILLED', 'You can review once your order has been delivered'), t)).toBe('You can review once your order has been delivered');
  });

  it('never shows a route path or a server crash to the person', () => {
    expect(errorText(new ApiError(404, 'ROUTE_NOT_FOUND', 'No route for GET /api/v1/x'), t)).toBe(t('common.error'));
    expect(errorText(new ApiError(500, 'INTERNAL', 'TypeError: x is undefined'), t)).toBe(t('error.generic'));
    expect(errorText(new Error('boom'), t)).toBe(t('error.generic'));
  });
});
