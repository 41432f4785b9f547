import { Link, useLocation, useParams } from 'react-router-dom';
import { formatRupiah } from '@tular/shared';
import type { PaymentInstruction } from '@tular/shared';
import { useI18n } from '../../i18n';
import { whatsappOrderUrl } from '../../lib/share';
import { recallOrder, type PlacedOrder } from './checkoutStore';

function isInstruction(value: unknown): value is PaymentInstruction {
  return typeof value === 'object' && value !== null && 'accountNumber' in value && 'provider' in value;
}

/** The server's `payment` field: the shop's transfer details (a list, or an object holding one). */
function instructionsOf(payment: unknown): PaymentInstruction[] {
  if (Array.isArray(payment)) return payment.filter(isInstruction);
  if (typeof payment === 'object' && payment !== null) {
    const inner = (payment as { instructions?: unknown; paymentInstructions?: unknown }).instructions ?? (payment as { paymentInstructions?: unknown }).paymentInstructions;
    if (Array.isArray(inner)) return inner.filter(isInstruction);
  }
  return [];
}

export function OrderConfirmationPage() {
  const { orderId = '' } = useParams();
  const location = useLocation();
  const { t } = useI18n();
  const order = (location.state as PlacedOrder | null) ?? recallOrder(orderId);
  if (!order) return <p className="state">{t('confirm.number', { id: orderId })}</p>;
  const { result } = order;
  const instructions = instructionsOf(result.payment);
  const reviewHref = result.reviewUrl || `/p/${order.productId}/review`;
  const reviewIsInternal = reviewHref.startsWith('/');
  const proofMessage = t('confirm.proofMessage', { shop: order.shopName, qty: order.quantity, product: order.productName, id: result.id, total: formatRupiah(result.total) });
  return (
    <section className="stack" data-testid="order-confirmation">
      <h1>{t('confirm.title')}</h1>
      <p>{t('confirm.number', { id: result.id })}</p>
      <p className="price big">{t('confirm.total', { total: formatRupiah(result.total) })}</p>
      <div className="card">
        <h2>{t('confirm.payHow')}</h2>
        {instructions.length ? (
          <ul className="list">
            {instructions.map((ins) => (
              <li key={`${ins.provider}-${ins.accountNumber}`}>
                <strong>{ins.provider}</strong> {ins.accountNumber} — {ins.accountName}
              </li>
            ))}
          </ul>
        ) : null}
        <ol>
          <li>{t('confirm.pay1')}</li>
          <li>{t('confirm.pay2')}</li>
          <li>{t('confirm.pay3')}</li>
        </ol>
        <a className="btn btn-whatsapp btn-block" href={whatsappOrderUrl(order.shopWhatsapp, proofMessage)} target="_blank" rel="noreferrer">
          {t('confirm.chatSeller')}
        </a>
      </div>
      {reviewIsInternal ? (
        <Link className="btn btn-secondary btn-block" to={reviewHref} data-testid="review-link">
          {t('confirm.review')}
        </Link>
      ) : (
        <a className="btn btn-secondary btn-block" href={reviewHref} data-testid="review-link">
          {t('confirm.review')}
        </a>
      )}
    </section>
  );
}
