"""One module per area of the UI, each an APIRouter: auth, dashboard, queue, item, actions,
billing, audit."""
