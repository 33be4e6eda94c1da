<?php

$MESS['VITRINALAB_VITRINA_LEAD_NONE'] = '—';
$MESS['VITRINALAB_VITRINA_LEAD_PHOTO_YES'] = 'приложено к заявке (покупательница согласилась), смотрите в панели Витрины';
$MESS['VITRINALAB_VITRINA_LEAD_PHOTO_NO'] = 'нет';
