<?php

$MESS['VITRINALAB_VITRINA_LEAD_TYPE_NAME'] = 'Витрина: заявка «Закажите похожий»';
$MESS['VITRINALAB_VITRINA_LEAD_TYPE_DESCRIPTION'] = "#LEAD_ID# — номер заявки в Витрине
#NAME# — имя покупательницы
#PHONE# — телефон
#COMMENT# — комментарий
#PAGE_URL# — страница, с которой отправлена заявка
#PRODUCT_ID# — товар, которого нет в наличии (если заявка о нём)
#SEARCH_ID# — номер поиска в Витрине
#LANGUAGE# — язык (ru, kk, en)
#CREATED_AT# — когда отправлена
#PHOTO# — приложено ли фото";
$MESS['VITRINALAB_VITRINA_LEAD_SUBJECT'] = '#SITE_NAME#: заявка «Закажите похожий», #NAME#, #PHONE#';
$MESS['VITRINALAB_VITRINA_LEAD_MESSAGE'] = "Покупательница оставила заявку в поиске по фото на сайте #SITE_NAME#: просит собрать похожий букет.

Имя: #NAME#
Телефон: #PHONE#
Комментарий: #COMMENT#
Страница: #PAGE_URL#
Товар (нет в наличии): #PRODUCT_ID#
Фото: #PHOTO#

Заявка №#LEAD_ID# в Витрине, #CREATED_AT#.
Письмо отправлено модулем «Витрина» автоматически.";
